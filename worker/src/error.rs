//! Errors of the worker library.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum WorkerError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),

    #[error(transparent)]
    Core(#[from] redspin_core::CoreError),

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("job {id} is enqueued, but {got} of {wanted} replica(s) confirmed it within {timeout_ms} ms: a failover now could lose it")]
    NotReplicated {
        id: String,
        wanted: u32,
        got: u32,
        timeout_ms: u64,
    },

    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = WorkerError> = std::result::Result<T, E>;
