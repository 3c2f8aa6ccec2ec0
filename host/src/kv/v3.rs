//! `spin:key-value/key-value@3.0.0` (spin-sdk 6) over [`store`]: every
//! call takes the store only to find its resource, so a guest may have
//! several in flight at once. `get-keys` lists the keys first (as both
//! backends must: SQLite in one query, Redis by `SCAN`) and hands them to
//! the guest as a stream, with the listing's outcome in the future beside
//! it.

use wasmtime::component::{Accessor, FutureReader, HasSelf, Resource, StreamReader};

use crate::bindings::v3::key_value::{Error, Host, HostStore, HostStoreWithStore};
use crate::kv::store::{self, KvStore};
use crate::kv::Failure;
use crate::state::HostState;

type Store = HasSelf<HostState>;
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

fn kv<T>(a: &Accessor<T, Store>, s: &Resource<KvStore>) -> wasmtime::Result<KvStore> {
    a.with(|mut a| Ok(a.get().table.get(s)?.clone()))
}

impl Host for HostState {}

impl HostStore for HostState {
    async fn drop(&mut self, s: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(s)?;
        self.kv_open = self.kv_open.saturating_sub(1);
        Ok(())
    }
}

impl<T: Send> HostStoreWithStore<T> for Store {
    async fn open(a: &Accessor<T, Self>, label: String) -> R<Resource<KvStore>> {
        // Counted as open from here, so concurrent opens respect the cap.
        let (env, services, open_now) = a.with(|mut a| {
            let s = a.get();
            s.kv_open += 1;
            (s.env.clone(), s.services.clone(), s.kv_open - 1)
        });
        match store::open(&env, &services, open_now, &label).await {
            Ok(s) => a.with(|mut a| Ok(Ok(a.get().table.push(s)?))),
            Err(f) => {
                a.with(|mut a| a.get().kv_open -= 1);
                Ok(Err(f.into()))
            }
        }
    }

    async fn get(a: &Accessor<T, Self>, s: Resource<KvStore>, key: String) -> R<Option<Vec<u8>>> {
        Ok(kv(a, &s)?.get(key).await.map_err(Into::into))
    }

    async fn set(
        a: &Accessor<T, Self>,
        s: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> R<()> {
        Ok(kv(a, &s)?.set(key, value).await.map_err(Into::into))
    }

    async fn delete(a: &Accessor<T, Self>, s: Resource<KvStore>, key: String) -> R<()> {
        Ok(kv(a, &s)?.delete(key).await.map_err(Into::into))
    }

    async fn exists(a: &Accessor<T, Self>, s: Resource<KvStore>, key: String) -> R<bool> {
        Ok(kv(a, &s)?.exists(key).await.map_err(Into::into))
    }

    async fn get_keys(
        a: &Accessor<T, Self>,
        s: Resource<KvStore>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), Error>>)> {
        let (keys, outcome) = match kv(a, &s)?.get_keys().await {
            Ok(keys) => (keys, Ok(())),
            Err(f) => (Vec::new(), Err(Error::from(f))),
        };
        a.with(|mut a| {
            let keys = StreamReader::new(&mut a, keys)?;
            let outcome = FutureReader::new(&mut a, async move {
                wasmtime::Result::<_, wasmtime::Error>::Ok(outcome)
            })?;
            Ok((keys, outcome))
        })
    }
}
