//! Errors of the queue library. Each message states this layer only; the
//! cause (redis-rs's error, the core's) is the `source`, printed once by
//! whoever prints the chain.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum QueueError {
    #[error("Redis request failed")]
    Redis(#[from] redis::RedisError),

    #[error(transparent)]
    Core(#[from] redspin_core::CoreError),

    #[error("job {id} holds this unique key and is {}: nothing was enqueued", state.as_str())]
    Duplicate {
        id: String,
        state: redspin_core::JobState,
    },

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("job {id} is enqueued, but {got} of {wanted} replica(s) confirmed it within {timeout_ms} ms: a failover now could lose it")]
    NotReplicated {
        id: String,
        wanted: u32,
        got: u32,
        timeout_ms: u64,
    },
}

pub type Result<T, E = QueueError> = std::result::Result<T, E>;
