//! The library's error type.

use redspin_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// Redis could not be reached or refused a command. Reads fail open on
    /// this; sessions and tasks report it as "unavailable".
    #[error("redis: {0}")]
    Redis(String),
    /// A reply that does not have the expected shape.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A value that could not be encoded.
    #[error("encoding a value failed")]
    Encode(#[from] serde_json::Error),
    /// The system's random source failed.
    #[error("random source: {0}")]
    Random(String),
}
