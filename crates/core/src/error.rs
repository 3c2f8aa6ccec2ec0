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

    #[error("not a job envelope")]
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

/// An error and its causes on one line (`outer: inner: root`), each cause
/// once: for messages that leave the process as text (a job's
/// `last_error`, a log field), where the chain would otherwise be lost.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = String::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(self.0);
        while let Some(e) = next {
            let text = e.to_string();
            if !text.is_empty() && !shown.contains(&text) {
                if !shown.is_empty() {
                    shown.push_str(": ");
                }
                shown.push_str(&text);
            }
            next = e.source();
        }
        f.write_str(&shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_prints_each_cause_once() {
        let e = crate::Job::from_json(b"nope").unwrap_err();
        assert_eq!(e.to_string(), "not a job envelope");
        assert_eq!(
            Chain(&e).to_string(),
            "not a job envelope: expected ident at line 1 column 2"
        );
    }
}
