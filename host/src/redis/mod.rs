//! Outbound Redis for components: `fermyon:spin/redis@2.0.0` ([`v2`],
//! spin-sdk 5) and `spin:redis/redis@3.0.0` ([`v3`], spin-sdk 6), both
//! written over one set of [`commands`].
//!
//! As in Spin: an address outside the component's `allowed_outbound_hosts`
//! is refused with `invalid-address`, as is one that does not parse; any
//! other failure is `other(message)` in Spin's words ([`text`]); `execute`
//! flattens nested array replies. Each `open` gets a connection of its own
//! ([`pool`] reuses the ones left clean). Connecting and every command are
//! bounded in time, so Redis being down gives the component an error,
//! never a hung request.

pub mod commands;
pub mod pool;
pub mod resolver;
pub mod stateful;
pub mod text;
pub mod v2;
pub mod v3;

/// A failed Redis call, in the variants both generations share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    InvalidAddress,
    TooManyConnections,
    TypeError,
    Other(String),
}

/// As a span records a failure: the variant and, for `other`, only the
/// message's first word (Redis's error code, `NOSCRIPT`): the rest may
/// quote the command's arguments.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::InvalidAddress => f.write_str("invalid-address"),
            Failure::TooManyConnections => f.write_str("too-many-connections"),
            Failure::TypeError => f.write_str("type-error"),
            Failure::Other(m) => {
                let code = m.split_whitespace().next().unwrap_or_default();
                write!(f, "other({})", code.trim_end_matches(':'))
            }
        }
    }
}

/// An argument of `execute`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Int64(i64),
    Binary(Vec<u8>),
}

/// One value of `execute`'s flattened reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Nil,
    Status(String),
    Int64(i64),
    Binary(Vec<u8>),
}

/// The `connection` resource of either generation: a connection checked
/// out for it alone.
pub struct RedisConnection {
    pub(crate) conn: pool::Checkout,
}

/// Maps the three shared types to one generation's generated types.
macro_rules! generation_types {
    ($m:path) => {
        use $m as g;

        impl From<$crate::redis::Failure> for g::Error {
            fn from(f: $crate::redis::Failure) -> Self {
                use $crate::redis::Failure as F;
                match f {
                    F::InvalidAddress => g::Error::InvalidAddress,
                    F::TooManyConnections => g::Error::TooManyConnections,
                    F::TypeError => g::Error::TypeError,
                    F::Other(m) => g::Error::Other(m),
                }
            }
        }

        impl From<g::RedisParameter> for $crate::redis::Param {
            fn from(p: g::RedisParameter) -> Self {
                match p {
                    g::RedisParameter::Int64(n) => Self::Int64(n),
                    g::RedisParameter::Binary(b) => Self::Binary(b),
                }
            }
        }

        impl From<$crate::redis::Item> for g::RedisResult {
            fn from(i: $crate::redis::Item) -> Self {
                use $crate::redis::Item as I;
                match i {
                    I::Nil => g::RedisResult::Nil,
                    I::Status(s) => g::RedisResult::Status(s),
                    I::Int64(n) => g::RedisResult::Int64(n),
                    I::Binary(b) => g::RedisResult::Binary(b),
                }
            }
        }
    };
}
pub(crate) use generation_types;
