//! `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2` over the key-value
//! stores ([`crate::kv`]), as Spin 4.0.2's `factor-key-value` serves them:
//! a bucket is a store label the component lists in `key_value_stores`
//! (`access-denied` otherwise); a full table is `other("store table
//! full")`; `list-keys` returns every key at once and refuses a cursor;
//! `get-many` leaves absent keys out; `increment` keeps Spin's encodings
//! (eight little-endian bytes in a SQLite store, a decimal in Redis).
//!
//! Safer than Spin, on purpose (docs/host.md, "Differences from Spin"):
//! - `swap` is a real compare-and-swap on both backends: it fails with
//!   `cas-failed` when the key changed since `current` (also when it was
//!   absent then and written since). Spin's Redis store reports such a
//!   conflict as success, and its SQLite store overwrites a key that was
//!   absent at `current` and written since.
//! - `get-many` on a Redis store is `MGET` (Spin sends `KEYS`, which fails).
//! - `increment` on a value that is not a counter, or past `i64`, is
//!   `other(...)` (Spin's SQLite store panics).
//! - A request holds at most 65 536 `cas` handles at once.

use wasmtime::component::Resource;

use crate::bindings::{wasi_atomics as atomics, wasi_batch as batch, wasi_store as store};
use crate::kv::store::{KvStore, MAX_OPEN};
use crate::kv::Failure;
use crate::state::HostState;

/// The `cas` resource: the key, and what `current` read there (`None`:
/// not read yet; `Some(None)`: absent).
pub struct Cas {
    store: KvStore,
    key: String,
    seen: Option<Option<Vec<u8>>>,
}

type R<T> = wasmtime::Result<Result<T, store::Error>>;

impl From<Failure> for store::Error {
    fn from(f: Failure) -> Self {
        match f {
            Failure::StoreTableFull => store::Error::Other("store table full".into()),
            Failure::NoSuchStore => store::Error::NoSuchStore,
            Failure::AccessDenied => store::Error::AccessDenied,
            Failure::Other(m) => store::Error::Other(m),
        }
    }
}

fn wasi<T>(r: Result<T, Failure>) -> Result<T, store::Error> {
    r.map_err(Into::into)
}

impl HostState {
    fn bucket(&self, b: &Resource<KvStore>) -> wasmtime::Result<KvStore> {
        Ok(self.table.get(b)?.clone())
    }
}

impl store::Host for HostState {
    #[tracing::instrument(name = "wasi_key_value.open", skip_all, fields(otel.kind = "client"))]
    async fn open(&mut self, identifier: String) -> R<Resource<KvStore>> {
        let opened = crate::kv::store::open(&self.env, &self.services, self.kv_open, &identifier);
        match opened.await {
            Ok(s) => {
                self.kv_open += 1;
                Ok(Ok(self.table.push(s)?))
            }
            Err(f) => Ok(Err(f.into())),
        }
    }
}

impl store::HostBucket for HostState {
    #[tracing::instrument(name = "wasi_key_value.get", skip_all, fields(otel.kind = "client"))]
    async fn get(&mut self, b: Resource<KvStore>, key: String) -> R<Option<Vec<u8>>> {
        Ok(wasi(self.bucket(&b)?.get(key).await))
    }

    #[tracing::instrument(name = "wasi_key_value.set", skip_all, fields(otel.kind = "client"))]
    async fn set(&mut self, b: Resource<KvStore>, key: String, value: Vec<u8>) -> R<()> {
        Ok(wasi(self.bucket(&b)?.set(key, value).await))
    }

    #[tracing::instrument(name = "wasi_key_value.delete", skip_all, fields(otel.kind = "client"))]
    async fn delete(&mut self, b: Resource<KvStore>, key: String) -> R<()> {
        Ok(wasi(self.bucket(&b)?.delete(key).await))
    }

    #[tracing::instrument(name = "wasi_key_value.exists", skip_all, fields(otel.kind = "client"))]
    async fn exists(&mut self, b: Resource<KvStore>, key: String) -> R<bool> {
        Ok(wasi(self.bucket(&b)?.exists(key).await))
    }

    #[tracing::instrument(name = "wasi_key_value.list_keys", skip_all, fields(otel.kind = "client"))]
    async fn list_keys(
        &mut self,
        b: Resource<KvStore>,
        cursor: Option<String>,
    ) -> R<store::KeyResponse> {
        if cursor.is_some() {
            return Ok(Err(store::Error::Other(
                "list_keys: cursor not supported".into(),
            )));
        }
        let keys = self.bucket(&b)?.get_keys().await;
        Ok(wasi(keys).map(|keys| store::KeyResponse { keys, cursor: None }))
    }

    async fn drop(&mut self, b: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        self.kv_open = self.kv_open.saturating_sub(1);
        Ok(())
    }
}

impl atomics::Host for HostState {
    #[tracing::instrument(name = "spin_key_value.increment", skip_all, fields(otel.kind = "client"))]
    async fn increment(&mut self, b: Resource<KvStore>, key: String, delta: i64) -> R<i64> {
        Ok(wasi(self.bucket(&b)?.increment(key, delta).await))
    }

    #[tracing::instrument(name = "spin_key_value.swap", skip_all, fields(otel.kind = "client"))]
    async fn swap(
        &mut self,
        cas: Resource<Cas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let Cas { store, key, seen } = self.table.delete(cas)?;
        self.cas_open = self.cas_open.saturating_sub(1);
        let swapped = match seen {
            // Never read: nothing to compare with, so a plain write.
            None => store.set(key.clone(), value).await.map(|()| true),
            Some(expected) => store.compare_and_swap(key.clone(), expected, value).await,
        };
        match swapped {
            Ok(true) => Ok(Ok(())),
            Err(f) => Ok(Err(atomics::CasError::StoreError(f.into()))),
            // Changed meanwhile: a fresh handle holding what is there now.
            Ok(false) => match store.get(key.clone()).await {
                Ok(now) => {
                    let retry = self.push_cas(store, key, Some(now))?;
                    Ok(Err(match retry {
                        Ok(c) => atomics::CasError::CasFailed(c),
                        Err(e) => atomics::CasError::StoreError(e),
                    }))
                }
                Err(f) => Ok(Err(atomics::CasError::StoreError(f.into()))),
            },
        }
    }
}

impl HostState {
    fn push_cas(
        &mut self,
        store: KvStore,
        key: String,
        seen: Option<Option<Vec<u8>>>,
    ) -> wasmtime::Result<Result<Resource<Cas>, store::Error>> {
        if self.cas_open >= MAX_OPEN {
            return Ok(Err(store::Error::Other(
                "too many compare_and_swaps opened".into(),
            )));
        }
        self.cas_open += 1;
        Ok(Ok(self.table.push(Cas { store, key, seen })?))
    }
}

impl atomics::HostCas for HostState {
    #[tracing::instrument(name = "wasi_key_value_cas.new", skip_all, fields(otel.kind = "client"))]
    async fn new(&mut self, b: Resource<KvStore>, key: String) -> R<Resource<Cas>> {
        let store = self.bucket(&b)?;
        self.push_cas(store, key, None)
    }

    #[tracing::instrument(name = "wasi_key_value_cas.current", skip_all, fields(otel.kind = "client"))]
    async fn current(&mut self, cas: Resource<Cas>) -> R<Option<Vec<u8>>> {
        let (store, key) = {
            let c = self.table.get(&cas)?;
            (c.store.clone(), c.key.clone())
        };
        let now = match store.get(key).await {
            Ok(v) => v,
            Err(f) => return Ok(Err(f.into())),
        };
        self.table.get_mut(&cas)?.seen = Some(now.clone());
        Ok(Ok(now))
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        self.cas_open = self.cas_open.saturating_sub(1);
        Ok(())
    }
}

impl batch::Host for HostState {
    #[tracing::instrument(name = "spin_key_value.get_many", skip_all, fields(otel.kind = "client"))]
    async fn get_many(
        &mut self,
        b: Resource<KvStore>,
        keys: Vec<String>,
    ) -> R<Vec<(String, Option<Vec<u8>>)>> {
        let found = self.bucket(&b)?.get_many(keys).await;
        Ok(wasi(found).map(|f| f.into_iter().map(|(k, v)| (k, Some(v))).collect()))
    }

    #[tracing::instrument(name = "spin_key_value.set_many", skip_all, fields(otel.kind = "client"))]
    async fn set_many(&mut self, b: Resource<KvStore>, pairs: Vec<(String, Vec<u8>)>) -> R<()> {
        Ok(wasi(self.bucket(&b)?.set_many(pairs).await))
    }

    #[tracing::instrument(name = "spin_key_value.delete_many", skip_all, fields(otel.kind = "client"))]
    async fn delete_many(&mut self, b: Resource<KvStore>, keys: Vec<String>) -> R<()> {
        Ok(wasi(self.bucket(&b)?.delete_many(keys).await))
    }
}
