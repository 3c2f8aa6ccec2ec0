//! Errors of the worker library. Each message states this layer only; the
//! cause is the `source`, printed once by whoever prints the chain.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum WorkerError {
    #[error(transparent)]
    Queue(#[from] redspin_queue::QueueError),

    #[error("Redis request failed")]
    Redis(#[from] redis::RedisError),

    #[error(transparent)]
    Core(#[from] redspin_core::CoreError),

    #[error("invalid configuration: {0}")]
    Config(String),
}

pub type Result<T, E = WorkerError> = std::result::Result<T, E>;
