//! `fermyon:spin/redis@2.0.0`.
//!
//! As in Spin: an address outside the component's `allowed_outbound_hosts`
//! is refused with `invalid-address`, as is one that does not parse; any
//! other failure is `other(message)` in Spin's words ([`redis_text`]);
//! `execute` flattens nested array replies. As in Spin, each `open` gets a
//! connection of its own; the host reuses connections that were left clean
//! ([`crate::redis_pool`]). Connecting and every command are bounded in
//! time, so Redis being down gives the component an error, never a hung
//! request.

use wasmtime::component::Resource;

use crate::bindings::redis::{Error, Host, HostConnection, RedisParameter, RedisResult};
use crate::redis_pool::{Checkout, ConnectError};
use crate::redis_text;
use crate::state::HostState;

/// Largest reply handed to a component.
const MAX_REPLY_BYTES: usize = 128 * 1024 * 1024;

/// The `connection` resource: a connection checked out for it alone.
pub struct RedisConnection {
    conn: Checkout,
}

/// `other(message)` in Spin's words (see [`redis_text`]).
fn other(e: redis::RedisError) -> Error {
    Error::Other(redis_text::spin_text(&e))
}

impl HostState {
    /// Runs command `name` on the connection behind `r`.
    async fn query<T: redis::FromRedisValue>(
        &mut self,
        r: &Resource<RedisConnection>,
        name: &str,
        cmd: &redis::Cmd,
    ) -> R<T> {
        let conn = &mut self.table.get_mut(r)?.conn;
        Ok(conn.query(name, cmd).await.map_err(other))
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
        let conn = match self.services.redis.checkout(&address).await {
            Ok(c) => c,
            Err(ConnectError::InvalidAddress) => {
                // The address may carry a password: log only that it was refused.
                tracing::warn!(component = %self.env.id, "refused a Redis address that does not parse");
                return Ok(Err(Error::InvalidAddress));
            }
            Err(ConnectError::Redis(e)) => return Ok(Err(other(e))),
            Err(ConnectError::TimedOut) => return Ok(Err(Error::Other(redis_text::timed_out()))),
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
            .query::<i64>(
                &c,
                "PUBLISH",
                redis::cmd("PUBLISH").arg(channel).arg(payload),
            )
            .await?
            .map(drop))
    }

    async fn get(&mut self, c: Resource<RedisConnection>, key: String) -> R<Option<Vec<u8>>> {
        self.query(&c, "GET", redis::cmd("GET").arg(key)).await
    }

    async fn set(&mut self, c: Resource<RedisConnection>, key: String, value: Vec<u8>) -> R<()> {
        self.query::<()>(&c, "SET", redis::cmd("SET").arg(key).arg(value))
            .await
    }

    async fn incr(&mut self, c: Resource<RedisConnection>, key: String) -> R<i64> {
        self.query(&c, "INCRBY", redis::cmd("INCRBY").arg(key).arg(1))
            .await
    }

    async fn del(&mut self, c: Resource<RedisConnection>, keys: Vec<String>) -> R<u32> {
        self.query(&c, "DEL", redis::cmd("DEL").arg(keys)).await
    }

    async fn sadd(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> R<u32> {
        self.query(&c, "SADD", redis::cmd("SADD").arg(key).arg(values))
            .await
    }

    async fn smembers(&mut self, c: Resource<RedisConnection>, key: String) -> R<Vec<String>> {
        self.query(&c, "SMEMBERS", redis::cmd("SMEMBERS").arg(key))
            .await
    }

    async fn srem(
        &mut self,
        c: Resource<RedisConnection>,
        key: String,
        values: Vec<String>,
    ) -> R<u32> {
        self.query(&c, "SREM", redis::cmd("SREM").arg(key).arg(values))
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
        let value = match self.query::<redis::Value>(&c, &command, &cmd).await? {
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
