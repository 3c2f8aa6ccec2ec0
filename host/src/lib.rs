//! # redspin-host
//!
//! A Spin-compatible local host on wasmtime. It runs the very same `.wasm`
//! components, from the very same `spin.toml`, that `spin up` runs: Spin
//! HTTP components built with spin-sdk for `wasm32-wasip2`, of both
//! generations Spin 4 runs:
//! - spin-sdk 6 (Spin 4's template): WASIp3, exporting
//!   `wasi:http/handler@0.3.0-rc-2026-03-15` (or the final `@0.3.0`) and
//!   importing `spin:key-value@3.0.0`, `spin:redis@3.0.0`,
//!   `spin:sqlite@3.1.0`, `spin:variables@3.0.0`, `wasi:keyvalue` and
//!   `wasi:config` as they use them;
//! - spin-sdk 5 and before: WASIp2, exporting
//!   `wasi:http/incoming-handler@0.2.x` and importing the
//!   `fermyon:spin/*@2.0.0` interfaces.
//!
//! Behaviour a component can observe (routing, `spin-*` headers, error
//! variants, permission refusals) follows Spin's.
//!
//! ## Layout
//! - [`manifest`]: `spin.toml` v2 parsing and validation.
//! - [`runtime_config`]: `--runtime-config-file` (stores and databases).
//! - [`variables`]: application/component variables and templates.
//! - [`routing`]: Spin's route matching and request headers.
//! - [`outbound`]: `allowed_outbound_hosts` rules.
//! - [`engine`]: a wasmtime engine, its linker and the compile cache;
//!   [`engines`]: which of the two (with or without async support) a
//!   component runs on.
//! - [`state`]: the per-request `Store` data.
//! - [`redis`]: outbound Redis (both generations), exclusive connections
//!   per `open` reused when left clean, failures in Spin's words.
//! - [`sqlite`]: SQLite databases, pooled connections owned per request,
//!   the authorizer and the deadline.
//! - [`kv`]: key-value stores on SQLite or Redis, and the key-value
//!   interfaces; [`wasi_keyvalue`]: `wasi:keyvalue` over the same stores.
//! - [`spin_variables`]: variables (both generations, `wasi:config`).
//! - [`spin_http`]: outbound HTTP rules (both generations);
//!   [`http_client`]: sending, within [`networks`] (`block_networks`) and
//!   with [`tls`] (`[[client_tls]]`).
//! - [`streams`]: host-written guest streams fed from a channel.
//! - [`load`]: start-up SQL, labels, component settings, socket rules.
//! - [`runtime`]: the loaded app and the request path.
//! - [`handler`]: which `wasi:http` handler a component exports, and one
//!   request through it.
//! - [`p3`]: WASIp3 components (the release-candidate names, serving).
//! - [`guest`]: one request's guest, run on the connection's task.
//! - [`body`]: reading a request body within its size and time limits;
//!   [`deadline`]: a connection's deadline, which drops it and its guest.
//! - [`server`]: the HTTP server with graceful shutdown; [`embed`]: an
//!   app served in the background (tests, benchmarks, embedding).
//! - [`cli`]: `redspin-host up` and `redspin-host build`.

pub mod manifest;
pub mod networks;
pub mod outbound;
pub mod p3;
pub mod routing;
pub mod runtime_config;
pub mod variables;

pub mod bindings;
pub mod body;
pub mod cli;
pub mod deadline;
pub mod embed;
pub mod engine;
pub mod engines;
pub mod guest;
pub mod handler;
pub mod http_client;
pub mod kv;
pub mod load;
pub mod redis;
pub mod runtime;
pub mod server;
pub mod spin_http;
pub mod spin_variables;
pub mod sqlite;
pub mod state;
pub mod streams;
pub mod telemetry;
pub mod tls;
pub mod wasi_keyvalue;
pub mod well_known;
