//! `webhook`: payload `{url, method?, headers?, body?, timeout_ms?}`,
//! judged by `redspin_core::jobs::webhook` as every producer's is.
//!
//! Sends one HTTP request with `Idempotency-Key: <job id>`, so receivers can
//! drop the duplicates at-least-once delivery may cause, signed as Standard
//! Webhooks define when the worker has a signing secret
//! ([`super::signing`]). 2xx is done; 408,
//! 429, 5xx, timeouts and connection errors are retried (honouring
//! `Retry-After` in seconds); any other status fails the job for good, 3xx
//! included: redirects are not followed. A string `body` is sent as is; any
//! other JSON value is sent as JSON.
//!
//! Destinations on the worker's own machine or networks are refused for
//! good unless the worker runs with `--webhook-allow-private` (see
//! [`super::destination`]), and so are headers that belong to the
//! connection (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`,
//! `Upgrade`, `TE`, `Proxy-*`). Errors name a webhook by scheme, host and
//! port only: paths, queries and user info often carry secrets.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::jobs::{self, webhook::origin};
use reqwest::{Method, StatusCode};
use serde_json::Value as Json;

use super::destination::{self, GuardedResolver};
use super::signing::Signer;
use redspin_telemetry::propagation::W3c;

use crate::handler::{Handler, HandlerError, HandlerFuture, JobContext};

pub use redspin_core::jobs::webhook::TYPE;
/// Longest `Retry-After` honoured; longer ones fall back to backoff.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The webhook handler; holds one HTTP client (connection pool) for all jobs.
#[derive(Clone)]
pub struct Webhook {
    client: reqwest::Client,
    allow_private: bool,
    signer: Option<Arc<Signer>>,
}

impl Default for Webhook {
    fn default() -> Self {
        Self::new()
    }
}

impl Webhook {
    /// Refuses destinations on private, loopback, link-local and other
    /// internal addresses.
    pub fn new() -> Self {
        Self::with_private_destinations(false)
    }

    /// `allow_private`: lift the address rule (local development, tests
    /// with a receiver on loopback). Redirects stay unfollowed.
    pub fn with_private_destinations(allow_private: bool) -> Self {
        // Proxy variables in the environment (HTTP_PROXY, ALL_PROXY...) are
        // ignored: through a proxy the guard would judge the proxy's address,
        // not the destination's.
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("redspin-worker/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if !allow_private {
            builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver));
        }
        let client = builder
            .build()
            .expect("the HTTP client builds with static settings");
        Self {
            client,
            allow_private,
            signer: None,
        }
    }

    /// Signs every delivery with `signer` (see [`super::signing`]).
    pub fn signed_by(mut self, signer: Signer) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }
}

/// What a response status means for the job.
pub fn classify(status: StatusCode) -> Outcome {
    match status.as_u16() {
        200..=299 => Outcome::Done,
        408 | 429 | 500..=599 => Outcome::Retry,
        _ => Outcome::Fail,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Retry,
    Fail,
}

/// An attempt's default time limit (the job's `timeout_ms` overrides it).
pub const JOB_TIMEOUT: Duration = Duration::from_secs(30);

impl Handler for Webhook {
    fn timeout(&self) -> Duration {
        JOB_TIMEOUT
    }
    fn handle(&self, ctx: JobContext) -> HandlerFuture {
        let client = self.client.clone();
        let allow_private = self.allow_private;
        let signer = self.signer.clone();
        Box::pin(async move {
            let hook = jobs::Webhook::parse(&ctx.job.payload)
                .map_err(|e| HandlerError::fail(format!("bad webhook {e}")))?;
            if !allow_private {
                destination::check_literal(&hook.url)
                    .map_err(|r| HandlerError::fail(r.to_string()))?;
            }
            let shown = origin(&hook.url);
            // The attempt's span (set up by the worker), or without an
            // exporter the producer's context as it came.
            let trace =
                redspin_telemetry::propagation::of(&tracing::Span::current()).or_else(|| {
                    ctx.job.traceparent.clone().map(|traceparent| W3c {
                        traceparent,
                        tracestate: ctx.job.tracestate.clone(),
                    })
                });
            let resp = request(
                &client,
                &ctx.job.id,
                hook,
                signer.as_deref(),
                trace.as_ref(),
            )?
            .send()
            .await
            .map_err(|e| send_failed(&shown, e))?;
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
                .filter(|d| *d <= MAX_RETRY_AFTER);
            verdict(&shown, resp.status(), retry_after)
        })
    }
}

/// The HTTP request a checked webhook makes.
fn request(
    client: &reqwest::Client,
    job_id: &str,
    hook: jobs::Webhook,
    signer: Option<&Signer>,
    trace: Option<&W3c>,
) -> Result<reqwest::RequestBuilder, HandlerError> {
    let method = Method::from_bytes(hook.method.as_bytes())
        .map_err(|e| HandlerError::fail(format!("bad webhook method: {e}")))?;
    let has_content_type = hook
        .headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    let mut req = client
        .request(method, hook.url)
        .timeout(Duration::from_millis(hook.timeout_ms));
    for (name, value) in &hook.headers {
        req = req.header(name.as_str(), value.as_str());
    }
    req = req.header("Idempotency-Key", job_id);
    // The attempt's trace context, unless the payload set its own.
    let own = |name: &str| hook.headers.keys().any(|k| k.eq_ignore_ascii_case(name));
    if !own("traceparent") {
        if let Some(w3c) = trace {
            req = req.header("traceparent", w3c.traceparent.as_str());
            if let Some(state) = w3c.tracestate.as_deref().filter(|_| !own("tracestate")) {
                req = req.header("tracestate", state);
            }
        }
    }
    let body = match hook.body {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) if has_content_type => Some(other.to_string()),
        Some(other) => {
            req = req.header("content-type", "application/json");
            Some(other.to_string())
        }
    };
    if let Some(signer) = signer {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let signed = body.as_deref().unwrap_or("").as_bytes();
        for (name, value) in signer.headers(job_id, now, signed) {
            req = req.header(name, value);
        }
    }
    Ok(match body {
        Some(body) => req.body(body),
        None => req,
    })
}

/// A request that got no response: refused destinations and requests that
/// cannot be built fail for good, everything else is retried.
fn send_failed(shown: &str, e: reqwest::Error) -> HandlerError {
    if e.is_builder() {
        return HandlerError::fail(format!("webhook {shown}: {}", e.without_url()));
    }
    if let Some(refused) = destination::refused_in(&e) {
        return HandlerError::fail(refused.to_string());
    }
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "request failed"
    };
    HandlerError::retry(format!("webhook {shown} {what}: {}", e.without_url()))
}

/// What the response's status means for the job.
fn verdict(
    shown: &str,
    status: StatusCode,
    retry_after: Option<Duration>,
) -> Result<(), HandlerError> {
    match classify(status) {
        Outcome::Done => Ok(()),
        Outcome::Retry => Err(HandlerError::Retry {
            message: format!("webhook {shown} answered {status}"),
            after: retry_after,
        }),
        Outcome::Fail if status.is_redirection() => Err(HandlerError::fail(format!(
            "webhook {shown} answered {status}: redirects are not followed"
        ))),
        Outcome::Fail => Err(HandlerError::fail(format!(
            "webhook {shown} answered {status}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        let cases = [
            (200, Outcome::Done),
            (204, Outcome::Done),
            (299, Outcome::Done),
            (301, Outcome::Fail),
            (400, Outcome::Fail),
            (404, Outcome::Fail),
            (408, Outcome::Retry),
            (410, Outcome::Fail),
            (429, Outcome::Retry),
            (500, Outcome::Retry),
            (503, Outcome::Retry),
        ];
        for (code, want) in cases {
            assert_eq!(
                classify(StatusCode::from_u16(code).unwrap()),
                want,
                "{code}"
            );
        }
    }
}
