//! The connection to Redis: runs core operations over redis-rs (converts
//! the core's commands and replies, and sends script calls as `EVALSHA`
//! with an `EVAL` fallback).
//!
//! One Redis server, or a Redis Cluster ([`Endpoint::cluster`]): the cluster
//! client follows `MOVED`/`ASK` and refreshes its view of the slots after a
//! failover. Every queue script keeps its keys in one slot (the queue's
//! `{name}` hash tag), so scripts and per-queue pipelines run on clusters as
//! they are.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture};
use redspin_core::{Arg, Command, Op, Request, Value};

use crate::error::{QueueError, Result};

/// Where Redis is: one server's URL, or with `cluster` a comma-separated
/// list of seed nodes (`redis://` or `rediss://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub cluster: bool,
}

impl Endpoint {
    pub fn single(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cluster: false,
        }
    }

    /// The URLs: one, or every seed node of a cluster.
    pub fn urls(&self) -> Vec<&str> {
        if self.cluster {
            self.url
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            vec![self.url.as_str()]
        }
    }
}

/// A connection to one server or to a cluster; cheap to clone (clones share
/// multiplexed connections).
#[derive(Clone)]
pub enum RawConnection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RawConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, redis::Value> {
        match self {
            RawConnection::Single(c) => c.req_packed_command(cmd),
            RawConnection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<redis::Value>> {
        match self {
            RawConnection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            RawConnection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RawConnection::Single(c) => c.get_db(),
            RawConnection::Cluster(c) => c.get_db(),
        }
    }
}

/// A self-reconnecting Redis connection (cheap to clone; requests from all
/// clones are pipelined on one multiplexed connection per server).
#[derive(Clone)]
pub struct Connection {
    conn: RawConnection,
}

impl Connection {
    /// Connects with a response timeout suited to short commands and scripts.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with_timeout(url, Duration::from_secs(5)).await
    }

    /// Connects with the given response timeout (blocking commands need one
    /// longer than their own block time).
    pub async fn connect_with_timeout(url: &str, response_timeout: Duration) -> Result<Self> {
        Self::open(&Endpoint::single(url), response_timeout).await
    }

    /// Connects to a server or a cluster.
    pub async fn open(endpoint: &Endpoint, response_timeout: Duration) -> Result<Self> {
        if !endpoint.cluster {
            let client = redis::Client::open(endpoint.url.as_str())?;
            let config = ConnectionManagerConfig::new()
                .set_response_timeout(Some(response_timeout))
                .set_connection_timeout(Some(Duration::from_secs(2)))
                .set_number_of_retries(2)
                .set_max_delay(Duration::from_millis(500));
            let conn = client.get_connection_manager_with_config(config).await?;
            return Ok(Self {
                conn: RawConnection::Single(conn),
            });
        }
        let seeds = endpoint.urls();
        if seeds.is_empty() {
            return Err(QueueError::Config(
                "--redis-url names no cluster seed node".into(),
            ));
        }
        let client = redis::cluster::ClusterClient::builder(seeds)
            .connection_timeout(Duration::from_secs(2))
            .response_timeout(response_timeout)
            .retries(4)
            .build()?;
        let conn = client.get_async_connection().await?;
        Ok(Self {
            conn: RawConnection::Cluster(conn),
        })
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
                Err(QueueError::Redis(e))
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
    pub fn raw(&self) -> RawConnection {
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
