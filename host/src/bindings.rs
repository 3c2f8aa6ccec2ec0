//! Host bindings for the `fermyon:spin@2.0.0` interfaces (WIT in `host/wit`,
//! copied from the spin-sdk 5.2 crate).

wasmtime::component::bindgen!({
    path: "wit",
    world: "spin-host",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value.store": crate::spin_kv::KvStore,
        "fermyon:spin/redis.connection": crate::spin_redis::RedisConnection,
        "fermyon:spin/sqlite.connection": crate::spin_sqlite::SqliteConnection,
    },
});

pub use fermyon::spin::{key_value, redis, sqlite, variables};
