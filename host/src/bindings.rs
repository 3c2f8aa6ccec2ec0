//! Host bindings for the Spin interfaces (WIT in `host/wit`, copied from
//! Spin v4.0.2). Both generations of an interface share one resource type,
//! so a connection or store means the same thing to either.
//!
//! The `spin:*@3` functions marked `async` in WIT run concurrently: they
//! take an `Accessor` and hold the store only between awaits, so a WASIp3
//! guest may have several calls in flight at once.

wasmtime::component::bindgen!({
    path: "wit",
    world: "spin-host",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value.store": crate::kv::store::KvStore,
        "fermyon:spin/redis.connection": crate::redis::RedisConnection,
        "fermyon:spin/sqlite.connection": crate::sqlite::connection::SqliteConnection,
        "spin:key-value/key-value.store": crate::kv::store::KvStore,
        "spin:redis/redis.connection": crate::redis::RedisConnection,
        "spin:sqlite/sqlite.connection": crate::sqlite::connection::SqliteConnection,
        "wasi:keyvalue/store.bucket": crate::kv::store::KvStore,
        "wasi:keyvalue/atomics.cas": crate::wasi_keyvalue::Cas,
    },
});

pub use fermyon::spin::{key_value, redis, sqlite, variables};

/// The `spin:*@3` interfaces (spin-sdk 6).
pub mod v3 {
    pub use super::spin::key_value::key_value;
    pub use super::spin::redis::redis;
    pub use super::spin::sqlite::sqlite;
    pub use super::spin::variables::variables;
}

pub use wasi::config::store as wasi_config;
pub use wasi::keyvalue::{atomics as wasi_atomics, batch as wasi_batch, store as wasi_store};
