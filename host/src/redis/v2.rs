//! `fermyon:spin/redis@2.0.0` (spin-sdk 5): the [`commands`] behind the
//! generated trait, one call at a time.

use wasmtime::component::Resource;

use crate::bindings::redis::{Error, Host, HostConnection, RedisParameter, RedisResult};
use crate::redis::pool::Checkout;
use crate::redis::{commands, generation_types, RedisConnection};
use crate::state::HostState;

generation_types!(crate::bindings::redis);

type R<T> = wasmtime::Result<Result<T, Error>>;

impl HostState {
    /// The connection behind `r` (a shared handle to it).
    fn redis(&self, r: &Resource<RedisConnection>) -> wasmtime::Result<Checkout> {
        Ok(self.table.get(r)?.conn.clone())
    }
}

/// The call's result in this generation's types.
fn v2<T, U: From<T>>(r: Result<T, crate::redis::Failure>) -> Result<U, Error> {
    r.map(U::from).map_err(Error::from)
}

impl Host for HostState {}

impl HostConnection for HostState {
    async fn open(&mut self, address: String) -> R<Resource<RedisConnection>> {
        match commands::open(&self.env, &self.services, &self.redis_held, &address).await {
            Ok(c) => Ok(Ok(self.table.push(c)?)),
            Err(f) => Ok(Err(f.into())),
        }
    }

    async fn publish(&mut self, c: Resource<RedisConnection>, ch: String, p: Vec<u8>) -> R<()> {
        Ok(v2(commands::publish(&self.redis(&c)?, ch, p).await))
    }

    async fn get(&mut self, c: Resource<RedisConnection>, key: String) -> R<Option<Vec<u8>>> {
        Ok(v2(commands::get(&self.redis(&c)?, key).await))
    }

    async fn set(&mut self, c: Resource<RedisConnection>, key: String, value: Vec<u8>) -> R<()> {
        Ok(v2(commands::set(&self.redis(&c)?, key, value).await))
    }

    async fn incr(&mut self, c: Resource<RedisConnection>, key: String) -> R<i64> {
        Ok(v2(commands::incr(&self.redis(&c)?, key).await))
    }

    async fn del(&mut self, c: Resource<RedisConnection>, keys: Vec<String>) -> R<u32> {
        Ok(v2(commands::del(&self.redis(&c)?, keys).await))
    }

    async fn sadd(&mut self, c: Resource<RedisConnection>, key: String, v: Vec<String>) -> R<u32> {
        Ok(v2(commands::sadd(&self.redis(&c)?, key, v).await))
    }

    async fn smembers(&mut self, c: Resource<RedisConnection>, key: String) -> R<Vec<String>> {
        Ok(v2(commands::smembers(&self.redis(&c)?, key).await))
    }

    async fn srem(&mut self, c: Resource<RedisConnection>, key: String, v: Vec<String>) -> R<u32> {
        Ok(v2(commands::srem(&self.redis(&c)?, key, v).await))
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> R<Vec<RedisResult>> {
        let args = arguments.into_iter().map(Into::into).collect();
        let items = commands::execute(&self.redis(&c)?, command, args).await;
        Ok(items
            .map(|i| i.into_iter().map(Into::into).collect())
            .map_err(Error::from))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}
