//! Errors of the worker library: the queue's, and the worker's own
//! configuration. Each message states this layer only; the cause is the
//! `source`, printed once by whoever prints the chain.

use redspin_queue::QueueError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WorkerError {
    #[error(transparent)]
    Queue(#[from] QueueError),

    #[error("invalid configuration: {0}")]
    Config(String),
}

impl From<redis::RedisError> for WorkerError {
    fn from(e: redis::RedisError) -> Self {
        Self::Queue(e.into())
    }
}

impl From<redspin_core::CoreError> for WorkerError {
    fn from(e: redspin_core::CoreError) -> Self {
        Self::Queue(e.into())
    }
}

pub type Result<T, E = WorkerError> = std::result::Result<T, E>;
