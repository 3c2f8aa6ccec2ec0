//! The one thing the library needs from a Redis client: run a command.

use redspin_core::{is_noscript, Command, Op, Request, Value};

use crate::EdgeError;

/// A Redis connection. Replies arrive as Spin gives them: nested arrays
/// flattened, a one-element reply as that element.
pub trait Redis {
    fn execute(&self, cmd: &Command) -> Result<Value, EdgeError>;
}

impl<R: Redis + ?Sized> Redis for &R {
    fn execute(&self, cmd: &Command) -> Result<Value, EdgeError> {
        (**self).execute(cmd)
    }
}

/// Sends a request: a command, or a script as `EVALSHA` and, when Redis
/// does not have it cached, as `EVAL`.
pub fn send(redis: &impl Redis, request: &Request) -> Result<Value, EdgeError> {
    match request {
        Request::Command(cmd) => redis.execute(cmd),
        Request::Script(call) => match redis.execute(&call.evalsha()) {
            Err(EdgeError::Redis(m)) if is_noscript(&m) => redis.execute(&call.eval()),
            other => other,
        },
    }
}

/// Calls one of the library's own scripts.
pub(crate) fn script(
    redis: &impl Redis,
    script: &'static redspin_core::scripts::Script,
    keys: Vec<String>,
    args: Vec<redspin_core::Arg>,
) -> Result<Value, EdgeError> {
    send(
        redis,
        &Request::Script(redspin_core::ScriptCall { script, keys, args }),
    )
}

/// Runs a `redspin-core` operation and parses its reply.
pub fn run<O: Op>(redis: &impl Redis, op: &O) -> Result<O::Output, EdgeError> {
    let reply = send(redis, &op.request())?;
    Ok(op.parse(reply)?)
}

/// A value or nil, from a command such as `GET`.
pub(crate) fn optional_bytes(v: Value, what: &'static str) -> Result<Option<Vec<u8>>, EdgeError> {
    match v {
        Value::Nil => Ok(None),
        Value::Array(items) if items.is_empty() => Ok(None),
        Value::Array(mut items) if items.len() == 1 => {
            optional_bytes(items.pop().unwrap_or(Value::Nil), what)
        }
        other => Ok(Some(other.into_bytes(what)?)),
    }
}
