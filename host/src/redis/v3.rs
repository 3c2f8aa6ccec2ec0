//! `spin:redis/redis@3.0.0` (spin-sdk 6): the same [`commands`], called
//! concurrently. Each call takes the store only to find its connection
//! and, for `open`, to keep the new one; the command itself runs with the
//! store free, so a guest may have several in flight at once (on one
//! connection they are pipelined).

use wasmtime::component::{Accessor, HasSelf, Resource};

use crate::bindings::v3::redis::{
    Error, Host, HostConnection, HostConnectionWithStore, RedisParameter, RedisResult,
};
use crate::redis::pool::Checkout;
use crate::redis::{commands, generation_types, Failure, RedisConnection};
use crate::state::HostState;

generation_types!(crate::bindings::v3::redis);

type Store = HasSelf<HostState>;
type R<T> = wasmtime::Result<Result<T, Error>>;

/// The connection behind `r` (a shared handle to it).
fn conn<T>(a: &Accessor<T, Store>, r: &Resource<RedisConnection>) -> wasmtime::Result<Checkout> {
    a.with(|mut a| Ok(a.get().table.get(r)?.conn.clone()))
}

/// The call's result in this generation's types.
fn v3<T, U: From<T>>(r: Result<T, Failure>) -> Result<U, Error> {
    r.map(U::from).map_err(Error::from)
}

impl Host for HostState {}

impl HostConnection for HostState {
    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}

impl<T: Send> HostConnectionWithStore<T> for Store {
    async fn open(a: &Accessor<T, Self>, address: String) -> R<Resource<RedisConnection>> {
        let (env, services, held) = a.with(|mut a| {
            let s = a.get();
            (s.env.clone(), s.services.clone(), s.redis_held.clone())
        });
        match commands::open(&env, &services, &held, &address).await {
            Ok(c) => a.with(|mut a| Ok(Ok(a.get().table.push(c)?))),
            Err(f) => Ok(Err(f.into())),
        }
    }

    async fn publish(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> R<()> {
        Ok(v3(commands::publish(&conn(a, &c)?, channel, payload).await))
    }

    async fn get(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        key: String,
    ) -> R<Option<Vec<u8>>> {
        Ok(v3(commands::get(&conn(a, &c)?, key).await))
    }

    async fn set(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        key: String,
        value: Vec<u8>,
    ) -> R<()> {
        Ok(v3(commands::set(&conn(a, &c)?, key, value).await))
    }

    async fn incr(a: &Accessor<T, Self>, c: Resource<RedisConnection>, key: String) -> R<i64> {
        Ok(v3(commands::incr(&conn(a, &c)?, key).await))
    }

    async fn del(a: &Accessor<T, Self>, c: Resource<RedisConnection>, keys: Vec<String>) -> R<u32> {
        Ok(v3(commands::del(&conn(a, &c)?, keys).await))
    }

    async fn sadd(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> R<u32> {
        Ok(v3(commands::sadd(&conn(a, &c)?, key, values).await))
    }

    async fn smembers(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        key: String,
    ) -> R<Vec<String>> {
        Ok(v3(commands::smembers(&conn(a, &c)?, key).await))
    }

    async fn srem(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> R<u32> {
        Ok(v3(commands::srem(&conn(a, &c)?, key, values).await))
    }

    async fn execute(
        a: &Accessor<T, Self>,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> R<Vec<RedisResult>> {
        let args = arguments.into_iter().map(Into::into).collect();
        let items = commands::execute(&conn(a, &c)?, command, args).await;
        Ok(items
            .map(|i| i.into_iter().map(Into::into).collect())
            .map_err(Error::from))
    }
}
