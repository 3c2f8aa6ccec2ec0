//! The Redis commands a component may send, written once for both
//! generations of the interface.
//!
//! Each is a span named and dressed as Spin 4.0.2 names it
//! (`factor-outbound-redis/src/host.rs`): `GET <key>`, `SET <key>`, the
//! command's name for `execute`. Values, payloads and `execute`'s
//! arguments are never recorded (Spin's `spin:redis@3` records the
//! arguments, and names `SADD` and `SREM` spans after the members too).

use tracing::field::Empty;
use tracing::{instrument, Level};

use crate::redis::pool::{Checkout, ConnectError, RequestCount};
use crate::redis::{text, Failure, Item, Param, RedisConnection};
use crate::state::{ComponentEnv, Services};

/// Largest reply handed to a component.
pub const MAX_REPLY_BYTES: usize = 128 * 1024 * 1024;

type R<T> = Result<T, Failure>;

/// `other(message)` in Spin's words (see [`text`]).
fn other(e: redis::RedisError) -> Failure {
    Failure::Other(text::spin_text(&e))
}

/// Opens a connection for `env`'s component to `address`, one more of the
/// `held` connections of its request.
#[instrument(name = "spin_outbound_redis.open_connection", skip_all, err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", db.address = Empty, server.port = Empty, db.namespace = Empty))]
pub async fn open(
    env: &ComponentEnv,
    services: &Services,
    held: &RequestCount,
    address: &str,
) -> R<RedisConnection> {
    if !env.allowed_hosts.allows_url(address, "redis") {
        tracing::warn!(
            component = %env.id,
            "refused a Redis connection to an address not in allowed_outbound_hosts"
        );
        return Err(Failure::InvalidAddress);
    }
    match services.redis.checkout(address, Some(held)).await {
        Ok(conn) => Ok(RedisConnection { conn }),
        Err(ConnectError::InvalidAddress) => {
            // The address may carry a password: log only that it was refused.
            tracing::warn!(component = %env.id, "refused a Redis address that does not parse");
            Err(Failure::InvalidAddress)
        }
        Err(ConnectError::Redis(e)) => Err(other(e)),
        Err(ConnectError::TimedOut) => Err(Failure::Other(text::timed_out())),
        Err(ConnectError::TooMany) => {
            tracing::warn!(component = %env.id, "refused a Redis connection: too many open");
            Err(Failure::TooManyConnections)
        }
    }
}

async fn query<T: redis::FromRedisValue>(c: &Checkout, name: &str, cmd: &redis::Cmd) -> R<T> {
    c.query(name, cmd).await.map_err(other)
}

#[instrument(name = "spin_outbound_redis.publish", skip(c, payload), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("PUBLISH {}", channel)))]
pub async fn publish(c: &Checkout, channel: String, payload: Vec<u8>) -> R<()> {
    let cmd = redis::cmd("PUBLISH").arg(channel).arg(payload).to_owned();
    query::<i64>(c, "PUBLISH", &cmd).await.map(drop)
}

/// Refuses a reply of more than [`MAX_REPLY_BYTES`], in Spin's words.
fn within_cap(bytes: usize) -> R<()> {
    if bytes > MAX_REPLY_BYTES {
        return Err(Failure::Other(format!(
            "query result exceeds limit of {MAX_REPLY_BYTES} bytes"
        )));
    }
    Ok(())
}

#[instrument(name = "spin_outbound_redis.get", skip(c), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("GET {}", key)))]
pub async fn get(c: &Checkout, key: String) -> R<Option<Vec<u8>>> {
    let value: Option<Vec<u8>> = query(c, "GET", redis::cmd("GET").arg(key)).await?;
    // Counted as Spin counts it.
    let size = std::mem::size_of::<Option<Vec<u8>>>() + value.as_ref().map_or(0, Vec::len);
    within_cap(size)?;
    Ok(value)
}

#[instrument(name = "spin_outbound_redis.set", skip(c, value), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("SET {}", key)))]
pub async fn set(c: &Checkout, key: String, value: Vec<u8>) -> R<()> {
    query(c, "SET", redis::cmd("SET").arg(key).arg(value)).await
}

#[instrument(name = "spin_outbound_redis.incr", skip(c), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("INCRBY {} 1", key)))]
pub async fn incr(c: &Checkout, key: String) -> R<i64> {
    query(c, "INCRBY", redis::cmd("INCRBY").arg(key).arg(1)).await
}

#[instrument(name = "spin_outbound_redis.del", skip(c), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("DEL {}", keys.join(" "))))]
pub async fn del(c: &Checkout, keys: Vec<String>) -> R<u32> {
    query(c, "DEL", redis::cmd("DEL").arg(keys)).await
}

#[instrument(name = "spin_outbound_redis.sadd", skip(c, values), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("SADD {}", key)))]
pub async fn sadd(c: &Checkout, key: String, values: Vec<String>) -> R<u32> {
    query(c, "SADD", redis::cmd("SADD").arg(key).arg(values)).await
}

/// Capped as `get` is (Spin sets no cap here: a set of any size would be
/// collected in the host).
#[instrument(name = "spin_outbound_redis.smembers", skip(c), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("SMEMBERS {}", key)))]
pub async fn smembers(c: &Checkout, key: String) -> R<Vec<String>> {
    let members: Vec<String> = query(c, "SMEMBERS", redis::cmd("SMEMBERS").arg(key)).await?;
    let size = members
        .iter()
        .map(|m| std::mem::size_of::<String>() + m.len())
        .sum::<usize>();
    within_cap(std::mem::size_of::<Vec<String>>() + size)?;
    Ok(members)
}

#[instrument(name = "spin_outbound_redis.srem", skip(c, values), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = format!("SREM {}", key)))]
pub async fn srem(c: &Checkout, key: String, values: Vec<String>) -> R<u32> {
    query(c, "SREM", redis::cmd("SREM").arg(key).arg(values)).await
}

#[instrument(name = "spin_outbound_redis.execute", skip(c, arguments), err(level = Level::INFO), fields(otel.kind = "client", db.system = "redis", otel.name = %command))]
pub async fn execute(c: &Checkout, command: String, arguments: Vec<Param>) -> R<Vec<Item>> {
    let mut cmd = redis::cmd(&command);
    for a in arguments {
        match a {
            Param::Int64(n) => cmd.arg(n),
            Param::Binary(b) => cmd.arg(b),
        };
    }
    let value = query::<redis::Value>(c, &command, &cmd).await?;
    let mut out = Vec::new();
    let mut size = 0;
    flatten(value, &mut out, &mut size).map(|()| out)
}

/// Spin's reply mapping: arrays (and sets) are flattened; maps, attributes,
/// verbatim strings and push messages are refused.
fn flatten(v: redis::Value, out: &mut Vec<Item>, size: &mut usize) -> R<()> {
    use redis::Value as V;
    let item = match v {
        V::Nil => Item::Nil,
        V::Int(n) => Item::Int64(n),
        V::BulkString(b) => {
            *size += b.len();
            Item::Binary(b)
        }
        V::SimpleString(s) => Item::Status(s),
        V::Okay => Item::Status("OK".into()),
        V::Array(items) | V::Set(items) => {
            for i in items {
                flatten(i, out, size)?;
            }
            return Ok(());
        }
        V::Double(d) => Item::Binary(d.to_string().into_bytes()),
        V::Boolean(b) => Item::Int64(b.into()),
        // query_async already turned nested error replies into errors, as
        // redis-rs 0.32 does in Spin; kept for completeness.
        V::ServerError(e) => return Err(Failure::Other(text::server_error(e.code(), e.details()))),
        V::Map(_) => return Err(Failure::Other("Redis Map type is not supported".into())),
        V::Attribute { .. } => {
            return Err(Failure::Other(
                "Redis Attribute type is not supported".into(),
            ))
        }
        V::VerbatimString { .. } => {
            return Err(Failure::Other(
                "Redis string with format attribute is not supported".into(),
            ))
        }
        other => return Err(Failure::Other(format!("unsupported Redis reply {other:?}"))),
    };
    *size += std::mem::size_of::<Item>();
    within_cap(*size)?;
    out.push(item);
    Ok(())
}
