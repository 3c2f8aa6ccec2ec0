//! A redis-rs backend for the library, shaped like Spin's: nested arrays
//! flattened, a one-element reply as that element. Blocking, as spin-sdk
//! 5's: each future is ready when first polled, and a test waits for one
//! with [`Wait::wait`].

use std::cell::RefCell;
use std::future::Future;

use redspin_core::{Arg, Command, Value};
use redspin_edge::{EdgeError, Redis};

pub struct RedisRs(pub RefCell<redis::Connection>);

impl RedisRs {
    pub fn open(url: &str) -> Self {
        let client = redis::Client::open(url).expect("url");
        Self(RefCell::new(client.get_connection().expect("connect")))
    }

    /// The key's time to live in ms (`PTTL`).
    pub fn pttl(&self, key: &str) -> i64 {
        self.execute(&Command::new("PTTL").arg(key))
            .unwrap()
            .as_i64("pttl")
            .unwrap()
    }
}

pub fn flatten(v: redis::Value, out: &mut Vec<Value>) {
    match v {
        redis::Value::Nil => out.push(Value::Nil),
        redis::Value::Int(n) => out.push(Value::Int(n)),
        redis::Value::BulkString(b) => out.push(Value::Bytes(b)),
        redis::Value::SimpleString(s) => out.push(Value::Status(s)),
        redis::Value::Okay => out.push(Value::Status("OK".into())),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            items.into_iter().for_each(|i| flatten(i, out))
        }
        other => out.push(Value::Bytes(format!("{other:?}").into_bytes())),
    }
}

/// Runs a future of the library to its end on this thread.
pub trait Wait: Future + Sized {
    fn wait(self) -> Self::Output {
        futures::executor::block_on(self)
    }
}

impl<F: Future> Wait for F {}

impl Redis for RedisRs {
    async fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
        RedisRs::execute(self, cmd)
    }
}

impl RedisRs {
    /// One command, now (what the trait's future does when polled).
    pub fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
        let mut c = redis::cmd(cmd.name);
        for a in &cmd.args {
            match a {
                Arg::Bytes(b) => c.arg(b.as_slice()),
                Arg::Int(n) => c.arg(*n),
            };
        }
        let reply: redis::Value = c
            .query(&mut *self.0.borrow_mut())
            .map_err(|e| EdgeError::Redis(e.to_string()))?;
        let mut out = Vec::new();
        flatten(reply, &mut out);
        Ok(if out.len() == 1 {
            out.remove(0)
        } else {
            Value::Array(out)
        })
    }
}

/// An asynchronous backend, as spin-sdk 6's: commands joined by the
/// library are in flight together on one multiplexed connection. Counts
/// how many were at most.
pub struct AsyncRedisRs {
    conn: redis::aio::MultiplexedConnection,
    in_flight: std::cell::Cell<usize>,
    pub most_in_flight: std::cell::Cell<usize>,
}

impl AsyncRedisRs {
    pub async fn open(url: &str) -> Self {
        let client = redis::Client::open(url).expect("url");
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect");
        Self {
            conn,
            in_flight: 0.into(),
            most_in_flight: 0.into(),
        }
    }
}

impl Redis for AsyncRedisRs {
    async fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
        let mut c = redis::cmd(cmd.name);
        for a in &cmd.args {
            match a {
                Arg::Bytes(b) => c.arg(b.as_slice()),
                Arg::Int(n) => c.arg(*n),
            };
        }
        self.in_flight.set(self.in_flight.get() + 1);
        let most = self.most_in_flight.get().max(self.in_flight.get());
        self.most_in_flight.set(most);
        let reply = c.query_async::<redis::Value>(&mut self.conn.clone()).await;
        self.in_flight.set(self.in_flight.get() - 1);
        let mut out = Vec::new();
        flatten(
            reply.map_err(|e| EdgeError::Redis(e.to_string()))?,
            &mut out,
        );
        Ok(if out.len() == 1 {
            out.remove(0)
        } else {
            Value::Array(out)
        })
    }
}
