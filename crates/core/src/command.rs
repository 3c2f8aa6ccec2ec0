//! Commands as data and replies as data.
//!
//! Every queue operation is described as a [`Request`] (a plain command or a
//! Lua script call) and its reply is parsed from a [`Value`]. The native
//! worker executes requests with redis-rs, a Spin component with
//! `Connection::execute`; both run the same logic. Script replies are always
//! flat arrays of integers and strings, because Spin's `execute` flattens
//! nested arrays.

use crate::error::CoreError;
use crate::scripts::Script;

/// One command argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Bytes(Vec<u8>),
    Int(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Bytes(s.as_bytes().to_vec())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Bytes(s.into_bytes())
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Bytes(s.as_bytes().to_vec())
    }
}
impl From<Vec<u8>> for Arg {
    fn from(b: Vec<u8>) -> Self {
        Arg::Bytes(b)
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}
impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Int(n.into())
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A Redis command: a name and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub args: Vec<Arg>,
}

impl Command {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            args: Vec::new(),
        }
    }
    pub fn arg(mut self, a: impl Into<Arg>) -> Self {
        self.args.push(a.into());
        self
    }
}

/// A call of one of the project's Lua scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCall {
    pub script: &'static Script,
    pub keys: Vec<String>,
    pub args: Vec<Arg>,
}

impl ScriptCall {
    /// `EVALSHA sha n keys... args...`: the fast path.
    pub fn evalsha(&self) -> Command {
        self.build("EVALSHA", self.script.sha1().into())
    }
    /// `EVAL source n keys... args...`: the fallback after `NOSCRIPT`.
    pub fn eval(&self) -> Command {
        self.build("EVAL", self.script.source.into())
    }
    fn build(&self, name: &'static str, first: Arg) -> Command {
        let mut args = Vec::with_capacity(2 + self.keys.len() + self.args.len());
        args.push(first);
        args.push(self.keys.len().into());
        args.extend(self.keys.iter().map(Arg::from));
        args.extend(self.args.iter().cloned());
        Command { name, args }
    }
}

/// What an operation sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Command(Command),
    Script(ScriptCall),
}

/// A reply, reduced to what both Redis clients can express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Nil,
    Int(i64),
    Bytes(Vec<u8>),
    Status(String),
    Array(Vec<Value>),
}

impl Value {
    /// The items of an array reply; nil is the empty array. A lone value is
    /// an array of one (Spin returns a list even for scalar replies).
    pub fn into_items(self) -> Vec<Value> {
        match self {
            Value::Array(v) => v,
            Value::Nil => Vec::new(),
            other => vec![other],
        }
    }

    /// An integer, also from a numeric string (Lua returns scores as strings).
    pub fn as_i64(&self, op: &'static str) -> Result<i64, CoreError> {
        match self {
            Value::Int(n) => Ok(*n),
            Value::Bytes(b) => std::str::from_utf8(b)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .map(|f| f as i64)
                .ok_or_else(|| {
                    CoreError::reply(
                        op,
                        format!("not a number: {:?}", String::from_utf8_lossy(b)),
                    )
                }),
            Value::Status(s) => s
                .parse()
                .map_err(|_| CoreError::reply(op, format!("not a number: {s:?}"))),
            other => Err(CoreError::reply(
                op,
                format!("expected a number, got {other:?}"),
            )),
        }
    }

    /// The bytes of a string reply.
    pub fn into_bytes(self, op: &'static str) -> Result<Vec<u8>, CoreError> {
        match self {
            Value::Bytes(b) => Ok(b),
            Value::Status(s) => Ok(s.into_bytes()),
            Value::Int(n) => Ok(n.to_string().into_bytes()),
            other => Err(CoreError::reply(
                op,
                format!("expected a string, got {other:?}"),
            )),
        }
    }

    pub fn into_string(self, op: &'static str) -> Result<String, CoreError> {
        String::from_utf8(self.into_bytes(op)?)
            .map_err(|e| CoreError::reply(op, format!("not UTF-8: {e}")))
    }
}

/// An operation: what to send, and how to read the reply.
pub trait Op {
    type Output;
    fn request(&self) -> Request;
    fn parse(&self, reply: Value) -> Result<Self::Output, CoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripts::ENQUEUE;

    #[test]
    fn script_calls_become_eval_commands() {
        let call = ScriptCall {
            script: &ENQUEUE,
            keys: vec!["k1".into(), "k2".into()],
            args: vec![Arg::Int(7)],
        };
        let sha = call.evalsha();
        assert_eq!(sha.name, "EVALSHA");
        assert_eq!(sha.args[0], Arg::from(ENQUEUE.sha1()));
        assert_eq!(
            &sha.args[1..],
            &[Arg::Int(2), "k1".into(), "k2".into(), Arg::Int(7)]
        );
        let eval = call.eval();
        assert_eq!(eval.args[0], Arg::from(ENQUEUE.source));
    }

    #[test]
    fn value_conversions() {
        let cases = [
            (Value::Int(3), Some(3)),
            (Value::Bytes(b"42".to_vec()), Some(42)),
            (
                Value::Bytes(b"1700000000123".to_vec()),
                Some(1_700_000_000_123),
            ),
            (Value::Bytes(b"x".to_vec()), None),
            (Value::Nil, None),
        ];
        for (v, want) in cases {
            assert_eq!(v.as_i64("t").ok(), want, "{v:?}");
        }
        assert_eq!(Value::Nil.into_items(), vec![]);
        assert_eq!(Value::Int(1).into_items(), vec![Value::Int(1)]);
    }
}
