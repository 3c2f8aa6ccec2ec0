//! `fermyon:spin/redis@2.0.0`.
//!
//! As in Spin: an address outside the component's `allowed_outbound_hosts`
//! is refused with `invalid-address`, as is one that does not parse; any
//! other failure is `other(message)`; `execute` flattens nested array
//! replies. Unlike a fresh connection per `open`, connections are pooled:
//! one multiplexed, self-reconnecting connection per address, shared by all
//! requests. Connecting and every command are bounded in time, so Redis
//! being down gives the component an error, never a hung request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;
use wasmtime::component::Resource;

use crate::bindings::redis::{Error, Host, HostConnection, RedisParameter, RedisResult};
use crate::redis_text;
use crate::state::HostState;

/// Longest wait for a connection to Redis.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait for one command's reply.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest reply handed to a component.
const MAX_REPLY_BYTES: usize = 128 * 1024 * 1024;

/// The `connection` resource: a handle on a pooled connection.
pub struct RedisConnection {
    conn: ConnectionManager,
}

/// Connections by address, created on first use.
#[derive(Default)]
pub struct RedisPool {
    cells: Mutex<HashMap<String, Arc<OnceCell<ConnectionManager>>>>,
}

impl RedisPool {
    async fn get(&self, address: &str) -> Result<ConnectionManager, Error> {
        let client = redis::Client::open(address).map_err(|e| {
            // The address may carry a password: log only why it was refused.
            tracing::warn!(kind = ?e.kind(), "refused a Redis address that does not parse");
            Error::InvalidAddress
        })?;
        let cell = self
            .cells
            .lock()
            .expect("the pool lock is never poisoned")
            .entry(address.to_owned())
            .or_default()
            .clone();
        let conn = cell
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(200));
                let connect = client.get_connection_manager_with_config(config);
                match tokio::time::timeout(CONNECT_TIMEOUT * 2, connect).await {
                    Ok(r) => r.map_err(other),
                    Err(_) => Err(Error::Other(redis_text::timed_out())),
                }
            })
            .await?;
        Ok(conn.clone())
    }
}

/// `other(message)` in Spin's words (see [`redis_text`]).
fn other(e: redis::RedisError) -> Error {
    Error::Other(redis_text::spin_text(&e))
}

impl HostState {
    /// Runs one command on the connection behind `r`.
    /// (`&mut self`: `HostState` is `Send` but not `Sync`.)
    async fn query<T: redis::FromRedisValue>(
        &mut self,
        r: &Resource<RedisConnection>,
        cmd: &redis::Cmd,
    ) -> R<T> {
        let mut conn = self.table.get(r)?.conn.clone();
        Ok(cmd.query_async(&mut conn).await.map_err(other))
    }
}

impl Host for HostState {}

type R<T> = wasmtime::Result<Result<T, Error>>;

impl HostConnection for HostState {
    async fn open(&mut self, address: String) -> R<Resource<RedisConnection>> {
        if !self.env.allowed_hosts.allows_url(&address, "redis") {
            tracing::warn!(
                component = %self.env.id,
                "refused a Redis connection to an address not in allowed_outbound_hosts"
            );
            return Ok(Err(Error::InvalidAddress));
        }
        let conn = match self.services.redis.get(&address).await {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(self.table.push(RedisConnection { conn })?))
    }

    async fn publish(
        &mut self,
        c: Resource<RedisConnection>,
        channel: String,
        payload: Vec<u8>,
    ) -> R<()> {
        Ok(self
            .query::<i64>(&c, redis::cmd("PUBLISH").arg(channel).arg(payload))
            .await?
            .map(drop))
    }

    async fn get(&mut self, c: Resource<RedisConnection>, key: String) -> R<Option<Vec<u8>>> {
        self.query(&c, redis::cmd("GET").arg(key)).await
    }

    async fn set(&mut self, c: Resource<RedisConnection>, key: String, value: Vec<u8>) -> R<()> {
        self.query::<()>(&c, redis::cmd("SET").arg(key).arg(value))
            .await
    }

    async fn incr(&mut self, c: Resource<RedisConnection>, key: String) -> R<i64> {
        self.query(&c, redis::cmd("INCRBY").arg(key).arg(1)).await
    }

    async fn del(&mut self, c: Resource<RedisConnection>, keys: Vec<String>) -> R<u32> {
        self.query(&c, redis::cmd("DEL").arg(keys)).await
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> R<u32> {
        self.query(&c, redis::cmd("SADD").arg(key).arg(values))
            .await
    }

    async fn smembers(&mut self, c: Resource<RedisConnection>, key: String) -> R<Vec<String>> {
        self.query(&c, redis::cmd("SMEMBERS").arg(key)).await
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> R<u32> {
        self.query(&c, redis::cmd("SREM").arg(key).arg(values))
            .await
    }

    async fn execute(
        &mut self,
        c: Resource<RedisConnection>,
        command: String,
        arguments: Vec<RedisParameter>,
    ) -> R<Vec<RedisResult>> {
        let mut cmd = redis::cmd(&command);
        for a in arguments {
            match a {
                RedisParameter::Int64(n) => cmd.arg(n),
                RedisParameter::Binary(b) => cmd.arg(b),
            };
        }
        let value = match self.query::<redis::Value>(&c, &cmd).await? {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let mut out = Vec::new();
        let mut size = 0;
        Ok(flatten(value, &mut out, &mut size).map(|()| out))
    }

    async fn drop(&mut self, c: Resource<RedisConnection>) -> wasmtime::Result<()> {
        self.table.delete(c)?;
        Ok(())
    }
}

/// Spin's reply mapping: arrays (and sets) are flattened; maps, attributes,
/// verbatim strings and push messages are refused.
fn flatten(v: redis::Value, out: &mut Vec<RedisResult>, size: &mut usize) -> Result<(), Error> {
    use redis::Value as V;
    let item = match v {
        V::Nil => RedisResult::Nil,
        V::Int(n) => RedisResult::Int64(n),
        V::BulkString(b) => {
            *size += b.len();
            RedisResult::Binary(b)
        }
        V::SimpleString(s) => RedisResult::Status(s),
        V::Okay => RedisResult::Status("OK".into()),
        V::Array(items) | V::Set(items) => {
            for i in items {
                flatten(i, out, size)?;
            }
            return Ok(());
        }
        V::Double(d) => RedisResult::Binary(d.to_string().into_bytes()),
        V::Boolean(b) => RedisResult::Int64(b.into()),
        // query_async already turned nested error replies into errors, as
        // redis-rs 0.32 does in Spin; kept for completeness.
        V::ServerError(e) => {
            return Err(Error::Other(redis_text::server_error(
                e.code(),
                e.details(),
            )))
        }
        V::Map(_) => return Err(Error::Other("Redis Map type is not supported".into())),
        V::Attribute { .. } => {
            return Err(Error::Other("Redis Attribute type is not supported".into()))
        }
        V::VerbatimString { .. } => {
            return Err(Error::Other(
                "Redis string with format attribute is not supported".into(),
            ))
        }
        other => return Err(Error::Other(format!("unsupported Redis reply {other:?}"))),
    };
    *size += std::mem::size_of::<RedisResult>();
    if *size > MAX_REPLY_BYTES {
        return Err(Error::Other(format!(
            "query result exceeds limit of {MAX_REPLY_BYTES} bytes"
        )));
    }
    out.push(item);
    Ok(())
}
