//! Key-value stores by label, as Spin defines them (`crates/factor-key-value`):
//! `default` is a SQLite file in the state directory; others come from
//! `[key_value_store.LABEL]` in the runtime configuration, backed by SQLite
//! ([`sqlite`], Spin's `key-value-spin`) or Redis ([`redis`], Spin's
//! `key-value-redis`). A component lists the labels it may open in
//! `key_value_stores`; a listed label with no store is refused at load.
//!
//! Errors reach the guest as Spin words them: `other(...)` with the
//! backend's error text.
//!
//! The guest interfaces: `fermyon:spin/key-value@2.0.0` ([`v2`]),
//! `spin:key-value/key-value@3.0.0` ([`v3`]), both over the same
//! [`store`] operations.

pub mod redis;
pub mod sqlite;
pub mod store;
pub mod v2;
pub mod v3;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::redis::pool::RedisPool;
use crate::sqlite::Location;

/// A failed key-value call, in the variants every generation shares
/// (`wasi:keyvalue` has no `store-table-full`: see [`store`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    StoreTableFull,
    NoSuchStore,
    AccessDenied,
    Other(String),
}

/// How one store is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// Spin's `type = "spin"`: a SQLite table `spin_key_value`.
    Sqlite(Location),
    /// Spin's `type = "redis"`: keys as they are, in the URL's database.
    Redis { url: String },
}

/// Spin's summary of a store (`key-value-spin`, `key-value-redis`): no
/// password, no path beyond the file's.
fn summary(config: &StoreConfig) -> String {
    use ::redis::IntoConnectionInfo;
    match config {
        StoreConfig::Sqlite(Location::InMemory) => "a temporary in-memory store".into(),
        StoreConfig::Sqlite(Location::Path(p)) => format!("\"{}\"", p.display()),
        StoreConfig::Redis { url } => match url.as_str().into_connection_info() {
            Ok(info) => format!("Redis at {}", info.addr()),
            Err(_) => "unknown".into(),
        },
    }
}

/// One store, shared by every request and component that lists it.
pub enum Backend {
    Sqlite(Arc<sqlite::SqliteStore>),
    Redis(redis::RedisStore),
}

/// A store could not be prepared at start-up.
#[derive(Debug, thiserror::Error)]
#[error("key-value store {label:?}")]
pub struct OpenError {
    pub label: String,
    #[source]
    pub source: sqlite::StoreOpenError,
}

/// The application's stores by label.
#[derive(Default)]
pub struct Stores {
    stores: BTreeMap<String, Arc<Backend>>,
    /// Where each lives, as Spin's `kv.backend` span field says it.
    summaries: BTreeMap<String, String>,
}

impl Stores {
    /// Prepares every configured store. A SQLite store is opened (and its
    /// table created) now, so a bad path fails the start-up; a Redis store
    /// connects at its first `open`, as in Spin.
    pub fn open(
        configs: &BTreeMap<String, StoreConfig>,
        redis: &Arc<RedisPool>,
    ) -> Result<Self, OpenError> {
        let mut stores = BTreeMap::new();
        let mut summaries = BTreeMap::new();
        for (label, config) in configs {
            summaries.insert(label.clone(), summary(config));
            let backend = match config {
                StoreConfig::Sqlite(location) => Backend::Sqlite(Arc::new(
                    sqlite::SqliteStore::open(label, location).map_err(|source| OpenError {
                        label: label.clone(),
                        source,
                    })?,
                )),
                StoreConfig::Redis { url } => {
                    Backend::Redis(redis::RedisStore::new(url.clone(), redis.clone()))
                }
            };
            stores.insert(label.clone(), Arc::new(backend));
        }
        Ok(Self { stores, summaries })
    }

    /// Where the store `label` lives (`unknown` for one not configured).
    pub fn summary(&self, label: &str) -> String {
        let known = self.summaries.get(label);
        known.cloned().unwrap_or_else(|| "unknown".into())
    }

    pub fn get(&self, label: &str) -> Option<&Arc<Backend>> {
        self.stores.get(label)
    }

    pub fn contains(&self, label: &str) -> bool {
        self.stores.contains_key(label)
    }
}
