//! `webhook`: payload `{url, method?, headers?, body?, timeout_ms?}`.
//!
//! Sends one HTTP request with `Idempotency-Key: <job id>`, so receivers can
//! drop the duplicates at-least-once delivery may cause. 2xx is done; 408,
//! 429, 5xx, timeouts and connection errors are retried (honouring
//! `Retry-After` in seconds); any other status fails the job for good. A
//! string `body` is sent as is; any other JSON value is sent as JSON.
//! Error messages name the URL without its query string, which may hold
//! secrets.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::handler::{Handler, HandlerError, HandlerFuture, JobContext};

pub const TYPE: &str = "webhook";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest `Retry-After` honoured; longer ones fall back to backoff.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Json>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// The webhook handler; holds one HTTP client (connection pool) for all jobs.
#[derive(Clone)]
pub struct Webhook {
    client: reqwest::Client,
}

impl Default for Webhook {
    fn default() -> Self {
        Self::new()
    }
}

impl Webhook {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!("redspin-worker/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("the HTTP client builds with static settings");
        Self { client }
    }
}

/// The URL without query or fragment, for messages.
fn redact(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    u.to_string()
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

impl Handler for Webhook {
    fn handle(&self, ctx: JobContext) -> HandlerFuture {
        let client = self.client.clone();
        Box::pin(async move {
            let p: Payload = serde_json::from_value(ctx.job.payload.clone())
                .map_err(|e| HandlerError::fail(format!("bad webhook payload: {e}")))?;
            let url = Url::parse(&p.url)
                .map_err(|e| HandlerError::fail(format!("bad webhook url: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(HandlerError::fail(format!(
                    "webhook url must be http or https, got {}",
                    url.scheme()
                )));
            }
            let method = match p.method.as_deref() {
                None => Method::POST,
                Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|e| HandlerError::fail(format!("bad webhook method {m:?}: {e}")))?,
            };
            let timeout = p
                .timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(DEFAULT_TIMEOUT)
                .min(MAX_TIMEOUT);
            let shown = redact(&url);

            let mut req = client.request(method, url).timeout(timeout);
            let has_content_type = p
                .headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"));
            for (name, value) in &p.headers {
                req = req.header(name.as_str(), value.as_str());
            }
            req = req.header("Idempotency-Key", ctx.job.id.as_str());
            req = match p.body {
                None | Some(Json::Null) => req,
                Some(Json::String(s)) => req.body(s),
                Some(other) => {
                    let req = if has_content_type {
                        req
                    } else {
                        req.header("content-type", "application/json")
                    };
                    req.body(other.to_string())
                }
            };
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if e.is_builder() => {
                    return Err(HandlerError::fail(format!("webhook {shown}: {e}")))
                }
                Err(e) => {
                    let what = if e.is_timeout() {
                        "timed out"
                    } else {
                        "request failed"
                    };
                    return Err(HandlerError::retry(format!(
                        "webhook {shown} {what}: {}",
                        e.without_url()
                    )));
                }
            };
            let status = resp.status();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
                .filter(|d| *d <= MAX_RETRY_AFTER);
            match classify(status) {
                Outcome::Done => Ok(()),
                Outcome::Retry => Err(HandlerError::Retry {
                    message: format!("webhook {shown} answered {status}"),
                    after: retry_after,
                }),
                Outcome::Fail => Err(HandlerError::fail(format!(
                    "webhook {shown} answered {status}"
                ))),
            }
        })
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

    #[test]
    fn redaction_drops_secrets() {
        let u = Url::parse("https://user:pw@example.com/hook?token=s3cret#x").unwrap();
        assert_eq!(redact(&u), "https://user@example.com/hook");
    }
}
