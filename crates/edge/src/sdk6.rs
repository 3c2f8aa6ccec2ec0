//! The spin-sdk 6 backend (feature `spin-sdk-6`, WASIp3, Spin 4's default):
//! `spin:redis/redis@3.0.0`'s async `execute`. Calls on one connection
//! may be in flight together; the library joins independent ones.

use redspin_core::{Arg, Command, Value};
use spin_sdk6::redis::{Connection, Error, RedisParameter, RedisResult};

use crate::{EdgeError, Redis};

/// spin-sdk's Redis connection. Open it once per request and pass it by
/// reference to every part of the library the request uses.
pub struct SpinRedis(Connection);

impl SpinRedis {
    /// Opens a connection to `address` (which the component's
    /// `allowed_outbound_hosts` must allow).
    pub async fn open(address: &str) -> Result<Self, EdgeError> {
        Connection::open(address)
            .await
            .map(Self)
            .map_err(|e| EdgeError::Redis(describe(e)))
    }

    /// The spin-sdk connection, for calls the library does not wrap.
    pub fn connection(&self) -> &Connection {
        &self.0
    }
}

fn describe(e: Error) -> String {
    match e {
        Error::InvalidAddress => crate::sdk::INVALID_ADDRESS.into(),
        Error::TooManyConnections => crate::sdk::TOO_MANY.into(),
        Error::TypeError => crate::sdk::TYPE_ERROR.into(),
        Error::Other(m) => m,
    }
}

impl Redis for SpinRedis {
    async fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
        let args = cmd.args.iter().map(|a| match a {
            Arg::Bytes(b) => RedisParameter::Binary(b.clone()),
            Arg::Int(n) => RedisParameter::Int64(*n),
        });
        let results = self
            .0
            .execute(cmd.name, args)
            .await
            .map_err(|e| EdgeError::Redis(describe(e)))?;
        Ok(crate::sdk::reply(results.into_iter().map(|r| match r {
            RedisResult::Nil => Value::Nil,
            RedisResult::Status(s) => Value::Status(s),
            RedisResult::Int64(n) => Value::Int(n),
            RedisResult::Binary(b) => Value::Bytes(b),
        })))
    }
}
