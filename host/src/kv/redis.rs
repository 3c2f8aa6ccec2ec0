//! Spin's Redis key-value store (`crates/key-value-redis`): keys as the
//! guest names them, in the database the URL selects. `get-keys` lists every
//! key of that database, as Spin's `KEYS *` does, but with `SCAN`, so a large
//! database does not stall Redis.
//!
//! Connections come from the host's pool of exclusive connections; the
//! commands used here leave no state on a connection.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::kv::Failure as Error;
use crate::redis::pool::{Checkout, ConnectError, RedisPool};
use crate::redis::text as redis_text;

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
        self.pool
            .checkout(&self.url, None)
            .await
            .map_err(|e| match e {
                ConnectError::InvalidAddress => Error::Other("Invalid Redis URL".into()),
                ConnectError::Redis(e) => other(&e),
                ConnectError::TimedOut => Error::Other(redis_text::timed_out()),
                ConnectError::TooMany => Error::Other("too many Redis connections open".into()),
            })
    }
}

async fn query<T: redis::FromRedisValue>(
    c: &Checkout,
    name: &str,
    cmd: &redis::Cmd,
) -> Result<T, Error> {
    c.query(name, cmd).await.map_err(|e| {
        tracing::warn!(error = %redis_text::spin_text(&e), "key-value error");
        other(&e)
    })
}

pub async fn get(c: &Checkout, key: &str) -> Result<Option<Vec<u8>>, Error> {
    query(c, "GET", redis::cmd("GET").arg(key)).await
}

pub async fn set(c: &Checkout, key: &str, value: &[u8]) -> Result<(), Error> {
    query(c, "SET", redis::cmd("SET").arg(key).arg(value)).await
}

pub async fn delete(c: &Checkout, key: &str) -> Result<(), Error> {
    query::<i64>(c, "DEL", redis::cmd("DEL").arg(key))
        .await
        .map(drop)
}

pub async fn exists(c: &Checkout, key: &str) -> Result<bool, Error> {
    query(c, "EXISTS", redis::cmd("EXISTS").arg(key)).await
}

pub async fn get_keys(c: &Checkout) -> Result<Vec<String>, Error> {
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

/// Sets `KEYS[1]` to `ARGV[3]` if it holds `ARGV[2]` (`ARGV[1]` = 1) or
/// is absent (`ARGV[1]` = 0); 1 if it did. One script, so no other client
/// can write between the comparison and the set.
const COMPARE_AND_SWAP: &str = r"
local v = redis.call('GET', KEYS[1])
if (ARGV[1] == '1' and v == ARGV[2]) or (ARGV[1] == '0' and v == false) then
  redis.call('SET', KEYS[1], ARGV[3])
  return 1
end
return 0";

/// `INCRBY`: the counter is a decimal string, as in Spin's Redis store.
pub async fn increment(c: &Checkout, key: &str, delta: i64) -> Result<i64, Error> {
    query(c, "INCRBY", redis::cmd("INCRBY").arg(key).arg(delta)).await
}

pub async fn compare_and_swap(
    c: &Checkout,
    key: &str,
    expected: Option<&[u8]>,
    new: &[u8],
) -> Result<bool, Error> {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(COMPARE_AND_SWAP).arg(1).arg(key);
    match expected {
        Some(old) => cmd.arg("1").arg(old),
        None => cmd.arg("0").arg(""),
    };
    cmd.arg(new);
    query::<i64>(c, "EVAL", &cmd).await.map(|n| n == 1)
}

/// `MGET`: the present keys with their values.
pub async fn get_many(c: &Checkout, keys: Vec<String>) -> Result<Vec<(String, Vec<u8>)>, Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<Option<Vec<u8>>> = query(c, "MGET", redis::cmd("MGET").arg(&keys)).await?;
    Ok(keys
        .into_iter()
        .zip(values)
        .filter_map(|(k, v)| Some((k, v?)))
        .collect())
}

pub async fn set_many(c: &Checkout, pairs: Vec<(String, Vec<u8>)>) -> Result<(), Error> {
    if pairs.is_empty() {
        return Ok(());
    }
    let mut cmd = redis::cmd("MSET");
    for (k, v) in pairs {
        cmd.arg(k).arg(v);
    }
    query(c, "MSET", &cmd).await
}

pub async fn delete_many(c: &Checkout, keys: Vec<String>) -> Result<(), Error> {
    if keys.is_empty() {
        return Ok(());
    }
    query::<i64>(c, "DEL", redis::cmd("DEL").arg(keys))
        .await
        .map(drop)
}
