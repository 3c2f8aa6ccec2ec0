//! A redis-rs backend for the library, shaped like Spin's: nested arrays
//! flattened, a one-element reply as that element.

use std::cell::RefCell;

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

fn flatten(v: redis::Value, out: &mut Vec<Value>) {
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

impl Redis for RedisRs {
    fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
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
