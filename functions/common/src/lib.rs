//! # redspin-app
//!
//! The edge app's code, shared by its components (`functions/users`,
//! `functions/posts`, `functions/auth`, `functions/tasks`; each is a thin
//! crate that calls its module here).
//!
//! ## Layout
//! Pure logic, unit-tested natively:
//! - [`validate`]: request bodies and path segments.
//! - [`password`]: argon2id hashing and verification.
//! - [`render`]: Markdown posts to HTML pages.
//!
//! Spin-facing (wasm32 only):
//! - `config`: Spin variables (`redis_url`, `cookie_secure`, `admin_token`, TTLs).
//! - `api`: JSON responses, errors (`{"error": "..."}`), request helpers.
//! - `db`: the SQLite database of record (`default`).
//! - `principal`: who is asking (session cookie or admin token).
//! - `users`, `posts`, `auth`, `tasks`: the route groups.

pub mod password;
pub mod render;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod auth;
#[cfg(target_arch = "wasm32")]
pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod db;
#[cfg(target_arch = "wasm32")]
pub mod posts;
#[cfg(target_arch = "wasm32")]
pub mod principal;
#[cfg(target_arch = "wasm32")]
pub mod tasks;
#[cfg(target_arch = "wasm32")]
pub mod users;
