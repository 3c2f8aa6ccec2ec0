//! The spin-sdk backend: `fermyon:spin/redis@2.0.0`'s `execute`.

use redspin_core::{Arg, Command, Value};
use spin_sdk::redis::{Connection, Error, RedisParameter, RedisResult};

use crate::{EdgeError, Redis};

/// spin-sdk's Redis connection. Open it once per request and pass it by
/// reference to every part of the library the request uses.
pub struct SpinRedis(Connection);

impl SpinRedis {
    /// Opens a connection to `address` (which the component's
    /// `allowed_outbound_hosts` must allow).
    pub fn open(address: &str) -> Result<Self, EdgeError> {
        Connection::open(address)
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
        Error::InvalidAddress => "invalid address (or not in allowed_outbound_hosts)".into(),
        Error::TooManyConnections => "too many connections".into(),
        Error::TypeError => "unexpected reply type".into(),
        Error::Other(m) => m,
    }
}

impl Redis for SpinRedis {
    fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
        let args: Vec<RedisParameter> = cmd
            .args
            .iter()
            .map(|a| match a {
                Arg::Bytes(b) => RedisParameter::Binary(b.clone()),
                Arg::Int(n) => RedisParameter::Int64(*n),
            })
            .collect();
        let mut results = self
            .0
            .execute(cmd.name, &args)
            .map_err(|e| EdgeError::Redis(describe(e)))?;
        let convert = |r: RedisResult| match r {
            RedisResult::Nil => Value::Nil,
            RedisResult::Status(s) => Value::Status(s),
            RedisResult::Int64(n) => Value::Int(n),
            RedisResult::Binary(b) => Value::Bytes(b),
        };
        Ok(if results.len() == 1 {
            convert(results.remove(0))
        } else {
            Value::Array(results.into_iter().map(convert).collect())
        })
    }
}
