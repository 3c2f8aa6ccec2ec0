//! Runs core operations over redis-rs: converts the core's commands and
//! replies, and sends script calls as `EVALSHA` with an `EVAL` fallback.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redspin_core::{Arg, Command, Op, Request, Value};

use crate::error::Result;

/// A pooled, self-reconnecting Redis connection (cheap to clone; requests
/// from all clones are pipelined on one multiplexed connection).
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
}

impl Redis {
    /// Connects with a response timeout suited to short commands and scripts.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with_timeout(url, Duration::from_secs(5)).await
    }

    /// Connects with the given response timeout (blocking commands need one
    /// longer than their own block time).
    pub async fn connect_with_timeout(url: &str, response_timeout: Duration) -> Result<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(response_timeout))
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = client.get_connection_manager_with_config(config).await?;
        Ok(Self { conn })
    }

    /// Runs an operation and parses its reply.
    pub async fn run<O: Op>(&self, op: &O) -> Result<O::Output> {
        let reply = self.request(op.request()).await?;
        Ok(op.parse(reply)?)
    }

    /// Sends a request; script calls try `EVALSHA` first.
    pub async fn request(&self, request: Request) -> Result<Value> {
        match request {
            Request::Command(cmd) => self.command(&cmd).await,
            Request::Script(call) => match self.command(&call.evalsha()).await {
                Err(crate::WorkerError::Redis(e))
                    if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                {
                    self.command(&call.eval()).await
                }
                other => other,
            },
        }
    }

    /// Sends one command.
    pub async fn command(&self, cmd: &Command) -> Result<Value> {
        let reply: redis::Value = to_cmd(cmd).query_async(&mut self.conn.clone()).await?;
        Ok(from_value(reply))
    }

    /// The underlying connection, for commands the core does not describe.
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

/// The core command as a redis-rs command.
pub fn to_cmd(cmd: &Command) -> redis::Cmd {
    let mut c = redis::cmd(cmd.name);
    for a in &cmd.args {
        match a {
            Arg::Bytes(b) => c.arg(b.as_slice()),
            Arg::Int(n) => c.arg(*n),
        };
    }
    c
}

/// A redis-rs reply as a core value.
pub fn from_value(v: redis::Value) -> Value {
    match v {
        redis::Value::Nil => Value::Nil,
        redis::Value::Int(n) => Value::Int(n),
        redis::Value::BulkString(b) => Value::Bytes(b),
        redis::Value::SimpleString(s) => Value::Status(s),
        redis::Value::Okay => Value::Status("OK".into()),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            Value::Array(items.into_iter().map(from_value).collect())
        }
        redis::Value::Map(pairs) => Value::Array(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [from_value(k), from_value(v)])
                .collect(),
        ),
        redis::Value::Double(d) => Value::Bytes(d.to_string().into_bytes()),
        redis::Value::Boolean(b) => Value::Int(b.into()),
        redis::Value::VerbatimString { text, .. } => Value::Bytes(text.into_bytes()),
        redis::Value::Attribute { data, .. } => from_value(*data),
        other => Value::Bytes(format!("{other:?}").into_bytes()),
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
