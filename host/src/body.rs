//! Reading a request's body within its limits: a size cap, a longest wait
//! for each piece, and a deadline for the whole body. A client that sends
//! its body slowly (a byte a second) or stops half-way is answered and let
//! go within [`BodyLimits::whole`], so trickling clients cannot hold the
//! server's connection slots.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use tokio::time::Instant;

/// How a request body must arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Longest wait for the next piece of the body.
    pub per_read: Duration,
    /// Longest the whole body may take, from the end of the headers.
    pub whole: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            per_read: Duration::from_secs(10),
            whole: Duration::from_secs(30),
        }
    }
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    #[error("request body did not arrive in time")]
    TimedOut,
    #[error("cannot read request body")]
    Read(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Reads all of `body` within `limits`.
pub async fn read(body: Incoming, limits: BodyLimits) -> Result<Bytes, BodyError> {
    let deadline = Instant::now() + limits.whole;
    let mut body = Limited::new(body, limits.max_bytes);
    let mut data = BytesMut::new();
    loop {
        let wait = (Instant::now() + limits.per_read).min(deadline);
        let frame = match tokio::time::timeout_at(wait, body.frame()).await {
            Err(_) => return Err(BodyError::TimedOut),
            Ok(None) => return Ok(data.freeze()),
            Ok(Some(frame)) => frame.map_err(|e| classify(e, limits.max_bytes))?,
        };
        // Trailers are not passed on (as before: a collected body's bytes).
        if let Ok(chunk) = frame.into_data() {
            data.extend_from_slice(&chunk);
        }
    }
}

fn classify(e: Box<dyn std::error::Error + Send + Sync>, max: usize) -> BodyError {
    if e.downcast_ref::<LengthLimitError>().is_some() {
        BodyError::TooLarge(max)
    } else {
        BodyError::Read(e)
    }
}
