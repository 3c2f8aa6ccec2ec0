//! # redspin-host
//!
//! A Spin-compatible local host on wasmtime. It runs the very same `.wasm`
//! components, from the very same `spin.toml`, that `spin up` runs: Spin HTTP
//! components built with spin-sdk for `wasm32-wasip2` (exporting
//! `wasi:http/incoming-handler@0.2.x`) that import WASI 0.2 and, as they use
//! them, `fermyon:spin/key-value@2.0.0`, `fermyon:spin/redis@2.0.0`,
//! `fermyon:spin/sqlite@2.0.0` and `fermyon:spin/variables@2.0.0`. Behaviour a component can observe
//! (routing, `spin-*` headers, error variants, permission refusals) follows
//! Spin's.
//!
//! ## Layout
//! - [`manifest`]: `spin.toml` v2 parsing and validation.
//! - [`runtime_config`]: `--runtime-config-file` (stores and databases).
//! - [`variables`]: application/component variables and templates.
//! - [`routing`]: Spin's route matching and request headers.
//! - [`outbound`]: `allowed_outbound_hosts` rules.
//! - [`engine`]: the wasmtime engine, linker and compile cache.
//! - [`state`]: the per-request `Store` data.
//! - [`redis_pool`]: exclusive Redis connections per `open`, reused when
//!   left clean.
//! - [`redis_text`]: Redis failures in the words Spin uses.
//! - [`sqlite`]: SQLite databases, pooled connections owned per request,
//!   the authorizer and the deadline.
//! - [`kv`]: key-value stores on SQLite or Redis.
//! - [`spin_kv`], [`spin_redis`], [`spin_sqlite`], [`spin_variables`],
//!   [`spin_http`]: the host interfaces.
//! - [`load`]: start-up SQL, labels, component settings, socket rules.
//! - [`runtime`]: the loaded app and the request path.
//! - [`guest`]: one request's guest, run on the connection's task.
//! - [`server`]: the HTTP server with graceful shutdown.
//! - [`cli`]: `redspin-host up` and `redspin-host build`.

pub mod manifest;
pub mod outbound;
pub mod routing;
pub mod runtime_config;
pub mod variables;

pub mod bindings;
pub mod cli;
pub mod engine;
pub mod guest;
pub mod kv;
pub mod load;
pub mod redis_pool;
pub mod redis_text;
pub mod runtime;
pub mod server;
pub mod spin_http;
pub mod spin_kv;
pub mod spin_redis;
pub mod spin_sqlite;
pub mod spin_variables;
pub mod sqlite;
pub mod state;
