//! The `store` resource and its operations, once for every generation of
//! the key-value interface, as Spin's `factor-key-value` serves them:
//! `open` answers `access-denied` for a label the component does not list
//! in `key_value_stores` (Spin checks that first, and refuses at load a
//! listed label with no store, so `no-such-store` only names a store that
//! vanished); a backend failure is `other(text)`. Spin's store table takes
//! `u32::MAX` entries; here more than [`MAX_OPEN`] stores open at once is
//! `store-table-full`, so a guest opening stores in a loop cannot grow the
//! host's memory without bound.

use std::sync::Arc;

use crate::kv::{redis, sqlite::SqliteStore, Backend, Failure};
use crate::redis::pool::Checkout;
use crate::state::{ComponentEnv, Services};

/// Stores one request may hold open at once.
pub const MAX_OPEN: usize = 65_536;

/// The `store` resource: a SQLite store, or the Redis connection this
/// resource holds. Cloning shares it (for calls that run concurrently).
#[derive(Clone)]
pub enum KvStore {
    Sqlite(Arc<SqliteStore>),
    Redis(Checkout),
}

type R<T> = Result<T, Failure>;

/// Most bytes a read hands the guest, as Spin bounds it
/// (`MAX_HOST_BUFFERED_BYTES`).
pub const MAX_READ_BYTES: usize = 128 << 20;

/// Refuses a read of more than [`MAX_READ_BYTES`], in Spin's words.
fn bounded<T>(value: T, bytes: usize) -> R<T> {
    if bytes > MAX_READ_BYTES {
        return Err(Failure::Other(format!(
            "query result exceeds limit of {MAX_READ_BYTES} bytes"
        )));
    }
    Ok(value)
}

/// Opens `label` for `env`'s component, `open_now` being how many stores
/// the request holds already.
pub async fn open(
    env: &ComponentEnv,
    services: &Services,
    open_now: usize,
    label: &str,
) -> R<KvStore> {
    if !env.key_value_stores.contains(label) {
        return Err(Failure::AccessDenied);
    }
    let Some(backend) = services.kv.get(label).cloned() else {
        return Err(Failure::NoSuchStore);
    };
    if open_now >= MAX_OPEN {
        return Err(Failure::StoreTableFull);
    }
    Ok(match &*backend {
        Backend::Redis(store) => KvStore::Redis(store.connect().await?),
        Backend::Sqlite(db) => KvStore::Sqlite(db.clone()),
    })
}

impl KvStore {
    pub async fn get(&self, key: String) -> R<Option<Vec<u8>>> {
        let value = match self {
            KvStore::Redis(c) => redis::get(c, &key).await?,
            KvStore::Sqlite(db) => db.get(key).await?,
        };
        let bytes = value.as_ref().map_or(0, Vec::len);
        bounded(value, bytes)
    }

    pub async fn set(&self, key: String, value: Vec<u8>) -> R<()> {
        match self {
            KvStore::Redis(c) => redis::set(c, &key, &value).await,
            KvStore::Sqlite(db) => db.set(key, value).await,
        }
    }

    pub async fn delete(&self, key: String) -> R<()> {
        match self {
            KvStore::Redis(c) => redis::delete(c, &key).await,
            KvStore::Sqlite(db) => db.delete(key).await,
        }
    }

    pub async fn exists(&self, key: String) -> R<bool> {
        match self {
            KvStore::Redis(c) => redis::exists(c, &key).await,
            KvStore::Sqlite(db) => db.exists(key).await,
        }
    }

    pub async fn get_keys(&self) -> R<Vec<String>> {
        let keys = match self {
            KvStore::Redis(c) => redis::get_keys(c).await?,
            KvStore::Sqlite(db) => db.get_keys().await?,
        };
        let bytes = keys
            .iter()
            .map(|k| k.len() + std::mem::size_of::<String>())
            .sum();
        bounded(keys, bytes)
    }

    /// Adds `delta` to the counter at `key`, in the backend's encoding
    /// (Spin's: eight little-endian bytes in SQLite, a decimal in Redis).
    pub async fn increment(&self, key: String, delta: i64) -> R<i64> {
        match self {
            KvStore::Redis(c) => redis::increment(c, &key, delta).await,
            KvStore::Sqlite(db) => db.increment(key, delta).await,
        }
    }

    /// Sets `key` to `new` if it still holds `expected` (`None`: absent),
    /// atomically; whether it did.
    pub async fn compare_and_swap(
        &self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Vec<u8>,
    ) -> R<bool> {
        match self {
            KvStore::Redis(c) => redis::compare_and_swap(c, &key, expected.as_deref(), &new).await,
            KvStore::Sqlite(db) => db.compare_and_swap(key, expected, new).await,
        }
    }

    /// The present ones of `keys`, with their values.
    pub async fn get_many(&self, keys: Vec<String>) -> R<Vec<(String, Vec<u8>)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found = match self {
            KvStore::Redis(c) => redis::get_many(c, keys).await?,
            KvStore::Sqlite(db) => db.get_many(keys).await?,
        };
        let bytes = found.iter().map(|(k, v)| k.len() + v.len()).sum();
        bounded(found, bytes)
    }

    pub async fn set_many(&self, pairs: Vec<(String, Vec<u8>)>) -> R<()> {
        match self {
            _ if pairs.is_empty() => Ok(()),
            KvStore::Redis(c) => redis::set_many(c, pairs).await,
            KvStore::Sqlite(db) => db.set_many(pairs).await,
        }
    }

    pub async fn delete_many(&self, keys: Vec<String>) -> R<()> {
        match self {
            _ if keys.is_empty() => Ok(()),
            KvStore::Redis(c) => redis::delete_many(c, keys).await,
            KvStore::Sqlite(db) => db.delete_many(keys).await,
        }
    }
}
