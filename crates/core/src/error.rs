//! Errors of the core library.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CoreError {
    #[error("invalid {what} {name:?}: use 1 to 64 characters of letters, digits, '_', '-' or '.'")]
    InvalidName { what: &'static str, name: String },

    #[error("invalid job: {0}")]
    InvalidJob(String),

    #[error(transparent)]
    InvalidPayload(#[from] crate::jobs::PayloadError),

    #[error("malformed job envelope: {0}")]
    Envelope(#[from] serde_json::Error),

    #[error("unexpected reply to {op}: {detail}")]
    Reply { op: &'static str, detail: String },
}

impl CoreError {
    pub(crate) fn reply(op: &'static str, detail: impl Into<String>) -> Self {
        Self::Reply {
            op,
            detail: detail.into(),
        }
    }
}
