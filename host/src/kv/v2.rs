//! `fermyon:spin/key-value@2.0.0` (spin-sdk 5) over [`store`]; `close` is
//! the resource's drop.

use wasmtime::component::Resource;

use crate::bindings::key_value::{Error, Host, HostStore};
use crate::kv::store::{self, KvStore};
use crate::kv::Failure;
use crate::state::HostState;

type R<T> = wasmtime::Result<Result<T, Error>>;

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        match f {
            Failure::StoreTableFull => Error::StoreTableFull,
            Failure::NoSuchStore => Error::NoSuchStore,
            Failure::AccessDenied => Error::AccessDenied,
            Failure::Other(m) => Error::Other(m),
        }
    }
}

impl HostState {
    fn kv(&self, s: &Resource<KvStore>) -> wasmtime::Result<KvStore> {
        Ok(self.table.get(s)?.clone())
    }
}

impl Host for HostState {}

impl HostStore for HostState {
    // The label is `name`, the attribute Spin's span records.
    #[tracing::instrument(name = "spin_key_value.open", skip(self), fields(otel.kind = "client", kv.backend = self.services.kv.summary(&name)))]
    async fn open(&mut self, name: String) -> R<Resource<KvStore>> {
        let label = name;
        match store::open(&self.env, &self.services, self.kv_open, &label).await {
            Ok(s) => {
                self.kv_open += 1;
                Ok(Ok(self.table.push(s)?))
            }
            Err(f) => Ok(Err(f.into())),
        }
    }

    #[tracing::instrument(name = "spin_key_value.get", skip_all, fields(otel.kind = "client"))]
    async fn get(&mut self, s: Resource<KvStore>, key: String) -> R<Option<Vec<u8>>> {
        Ok(self.kv(&s)?.get(key).await.map_err(Into::into))
    }

    #[tracing::instrument(name = "spin_key_value.set", skip_all, fields(otel.kind = "client"))]
    async fn set(&mut self, s: Resource<KvStore>, key: String, value: Vec<u8>) -> R<()> {
        Ok(self.kv(&s)?.set(key, value).await.map_err(Into::into))
    }

    #[tracing::instrument(name = "spin_key_value.delete", skip_all, fields(otel.kind = "client"))]
    async fn delete(&mut self, s: Resource<KvStore>, key: String) -> R<()> {
        Ok(self.kv(&s)?.delete(key).await.map_err(Into::into))
    }

    #[tracing::instrument(name = "spin_key_value.exists", skip_all, fields(otel.kind = "client"))]
    async fn exists(&mut self, s: Resource<KvStore>, key: String) -> R<bool> {
        Ok(self.kv(&s)?.exists(key).await.map_err(Into::into))
    }

    #[tracing::instrument(name = "spin_key_value.get_keys", skip_all, fields(otel.kind = "client"))]
    async fn get_keys(&mut self, s: Resource<KvStore>) -> R<Vec<String>> {
        Ok(self.kv(&s)?.get_keys().await.map_err(Into::into))
    }

    async fn drop(&mut self, s: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(s)?;
        self.kv_open = self.kv_open.saturating_sub(1);
        Ok(())
    }
}
