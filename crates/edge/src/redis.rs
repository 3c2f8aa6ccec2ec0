//! The one thing the library needs from a Redis client: run a command.
//!
//! The trait is async so one implementation of the library serves both
//! spin-sdk generations: spin-sdk 5's calls block and their futures are
//! ready at once; spin-sdk 6's are truly asynchronous, so what the library
//! (or a component) joins runs concurrently.

use std::future::Future;

use redspin_core::{is_noscript, Command, Op, Request, Value};

use crate::EdgeError;

/// A Redis connection. Replies arrive as Spin gives them: nested arrays
/// flattened, a one-element reply as that element.
///
/// The futures need not be `Send`: a component is single-threaded.
pub trait Redis {
    fn execute(&self, cmd: &Command) -> impl Future<Output = Result<Value, EdgeError>>;
}

impl<R: Redis + ?Sized> Redis for &R {
    fn execute(&self, cmd: &Command) -> impl Future<Output = Result<Value, EdgeError>> {
        (**self).execute(cmd)
    }
}

/// Sends a request: a command, or a script as `EVALSHA` and, when Redis
/// does not have it cached, as `EVAL`.
pub async fn send(redis: &impl Redis, request: &Request) -> Result<Value, EdgeError> {
    match request {
        Request::Command(cmd) => redis.execute(cmd).await,
        Request::Script(call) => match redis.execute(&call.evalsha()).await {
            Err(EdgeError::Redis(m)) if is_noscript(&m) => redis.execute(&call.eval()).await,
            other => other,
        },
    }
}

/// Calls one of the library's own scripts.
pub(crate) async fn script(
    redis: &impl Redis,
    script: &'static redspin_core::scripts::Script,
    keys: Vec<String>,
    args: Vec<redspin_core::Arg>,
) -> Result<Value, EdgeError> {
    let call = redspin_core::ScriptCall { script, keys, args };
    send(redis, &Request::Script(call)).await
}

/// Runs a `redspin-core` operation and parses its reply.
pub async fn run<O: Op>(redis: &impl Redis, op: &O) -> Result<O::Output, EdgeError> {
    let reply = send(redis, &op.request()).await?;
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
