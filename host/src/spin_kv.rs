//! `fermyon:spin/key-value@2.0.0`, as Spin's `factor-key-value` serves it:
//! `open` answers `access-denied` for a label the component does not list
//! in `key_value_stores` (Spin checks that first, and refuses at load a
//! listed label with no store, so `no-such-store` only names a store that
//! vanished); a backend failure is `other(text)`. `close` is the resource's
//! drop. Spin's store table takes `u32::MAX` entries; here more than 65 536
//! stores open at once is `store-table-full`, so a guest opening stores in a
//! loop cannot grow the host's memory without bound.

use std::sync::Arc;

use wasmtime::component::Resource;

use crate::bindings::key_value::{Error, Host, HostStore};
use crate::kv::{self, sqlite::SqliteStore, Backend};
use crate::redis_pool::Checkout;
use crate::state::HostState;

/// Stores one request may hold open at once.
const MAX_OPEN: usize = 65_536;

/// The `store` resource: a SQLite store, or the Redis connection this
/// resource holds.
pub enum KvStore {
    Sqlite(Arc<SqliteStore>),
    Redis(Checkout),
}

impl Host for HostState {}

impl HostStore for HostState {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<KvStore>, Error>> {
        if !self.env.key_value_stores.contains(&label) {
            return Ok(Err(Error::AccessDenied));
        }
        let Some(backend) = self.services.kv.get(&label).cloned() else {
            return Ok(Err(Error::NoSuchStore));
        };
        if self.kv_open >= MAX_OPEN {
            return Ok(Err(Error::StoreTableFull));
        }
        let store = match &*backend {
            Backend::Redis(store) => match store.connect().await {
                Ok(c) => KvStore::Redis(c),
                Err(e) => return Ok(Err(e)),
            },
            Backend::Sqlite(db) => KvStore::Sqlite(db.clone()),
        };
        self.kv_open += 1;
        Ok(Ok(self.table.push(store)?))
    }

    async fn get(
        &mut self,
        s: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        Ok(match self.table.get_mut(&s)? {
            KvStore::Redis(c) => kv::redis::get(c, &key).await,
            KvStore::Sqlite(db) => db.get(key).await,
        })
    }

    async fn set(
        &mut self,
        s: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(match self.table.get_mut(&s)? {
            KvStore::Redis(c) => kv::redis::set(c, &key, &value).await,
            KvStore::Sqlite(db) => db.set(key, value).await,
        })
    }

    async fn delete(
        &mut self,
        s: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(match self.table.get_mut(&s)? {
            KvStore::Redis(c) => kv::redis::delete(c, &key).await,
            KvStore::Sqlite(db) => db.delete(key).await,
        })
    }

    async fn exists(
        &mut self,
        s: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        Ok(match self.table.get_mut(&s)? {
            KvStore::Redis(c) => kv::redis::exists(c, &key).await,
            KvStore::Sqlite(db) => db.exists(key).await,
        })
    }

    async fn get_keys(
        &mut self,
        s: Resource<KvStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        Ok(match self.table.get_mut(&s)? {
            KvStore::Redis(c) => kv::redis::get_keys(c).await,
            KvStore::Sqlite(db) => db.get_keys().await,
        })
    }

    async fn drop(&mut self, s: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(s)?;
        self.kv_open = self.kv_open.saturating_sub(1);
        Ok(())
    }
}
