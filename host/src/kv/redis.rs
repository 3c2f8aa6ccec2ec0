//! Spin's Redis key-value store (`crates/key-value-redis`): keys as the
//! guest names them, in the database the URL selects. `get-keys` lists every
//! key of that database, as Spin's `KEYS *` does, but with `SCAN`, so a large
//! database does not stall Redis.
//!
//! Connections come from the host's pool of exclusive connections; the
//! commands used here leave no state on a connection.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::bindings::key_value::Error;
use crate::redis_pool::{Checkout, ConnectError, RedisPool};
use crate::redis_text;

/// A store at one Redis URL (which may hold a password: never logged).
pub struct RedisStore {
    url: String,
    pool: Arc<RedisPool>,
}

fn other(e: &redis::RedisError) -> Error {
    Error::Other(redis_text::spin_text(e))
}

impl RedisStore {
    pub fn new(url: String, pool: Arc<RedisPool>) -> Self {
        Self { url, pool }
    }

    /// A connection for one store resource (Spin connects at `open`).
    pub async fn connect(&self) -> Result<Checkout, Error> {
        self.pool.checkout(&self.url).await.map_err(|e| match e {
            ConnectError::InvalidAddress => Error::Other("Invalid Redis URL".into()),
            ConnectError::Redis(e) => other(&e),
            ConnectError::TimedOut => Error::Other(redis_text::timed_out()),
        })
    }
}

async fn query<T: redis::FromRedisValue>(
    c: &mut Checkout,
    name: &str,
    cmd: &redis::Cmd,
) -> Result<T, Error> {
    c.query(name, cmd).await.map_err(|e| {
        tracing::warn!(error = %redis_text::spin_text(&e), "key-value error");
        other(&e)
    })
}

pub async fn get(c: &mut Checkout, key: &str) -> Result<Option<Vec<u8>>, Error> {
    query(c, "GET", redis::cmd("GET").arg(key)).await
}

pub async fn set(c: &mut Checkout, key: &str, value: &[u8]) -> Result<(), Error> {
    query(c, "SET", redis::cmd("SET").arg(key).arg(value)).await
}

pub async fn delete(c: &mut Checkout, key: &str) -> Result<(), Error> {
    query::<i64>(c, "DEL", redis::cmd("DEL").arg(key))
        .await
        .map(drop)
}

pub async fn exists(c: &mut Checkout, key: &str) -> Result<bool, Error> {
    query(c, "EXISTS", redis::cmd("EXISTS").arg(key)).await
}

pub async fn get_keys(c: &mut Checkout) -> Result<Vec<String>, Error> {
    let mut keys = BTreeSet::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = query(
            c,
            "SCAN",
            redis::cmd("SCAN").arg(cursor).arg("COUNT").arg(1000),
        )
        .await?;
        keys.extend(batch);
        if next == 0 {
            return Ok(keys.into_iter().collect());
        }
        cursor = next;
    }
}
