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
//! - [`render`]: Markdown to HTML, unsafe markup and URLs neutralised.
//! - [`html`]: the pages a person reads (a post, the list), their style
//!   sheet and its Content-Security-Policy.
//! - [`guard`]: cross-site requests and non-JSON bodies, refused before
//!   any route.
//! - [`ids`]: what attempt counters are keyed by (email digests, client
//!   IPs).
//! - [`config`]: Spin variables parsed into settings; a value that does
//!   not parse is an error naming the variable.
//!
//! - [`sql`]: SQLite values and rows, whichever SDK fetched them.
//!
//! Spin-facing (wasm32 only), written once over `http` types:
//! - `platform`: the one module per spin-sdk generation (features
//!   `spin-sdk-5`, the default, and `spin-sdk-6`, mutually exclusive):
//!   the entry point, SQLite, variables.
//! - `context`: the request's [`Ctx`](context::Ctx), built once in
//!   `api::serve`: request, settings, one Redis connection.
//! - `api`: the shared entry point, JSON responses and errors
//!   (`{"error": "..."}`).
//! - `db`: the SQLite database of record (`default`).
//! - `principal`: who is asking (session cookie or admin token);
//!   `device`: device cookies, which exempt a known browser from the
//!   per-email login lock.
//! - `users`, `posts`, `auth`, `tasks`: the route groups.

pub mod config;
pub mod guard;
pub mod html;
pub mod ids;
pub mod password;
pub mod render;
pub mod sql;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod auth;
#[cfg(target_arch = "wasm32")]
pub mod context;
#[cfg(target_arch = "wasm32")]
pub mod db;
#[cfg(target_arch = "wasm32")]
pub mod device;
#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
pub mod posts;
#[cfg(target_arch = "wasm32")]
pub mod principal;
#[cfg(target_arch = "wasm32")]
pub mod tasks;
#[cfg(target_arch = "wasm32")]
pub mod users;
