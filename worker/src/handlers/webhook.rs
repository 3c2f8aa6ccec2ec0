//! `webhook`: payload `{url, method?, headers?, body?, timeout_ms?}`.
//!
//! Sends one HTTP request with `Idempotency-Key: <job id>`, so receivers can
//! drop the duplicates at-least-once delivery may cause. 2xx is done; 408,
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

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::Value as Json;

use super::destination::{self, GuardedResolver};
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
    allow_private: bool,
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
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("redspin-worker/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none());
        if !allow_private {
            builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver));
        }
        let client = builder
            .build()
            .expect("the HTTP client builds with static settings");
        Self {
            client,
            allow_private,
        }
    }
}

/// How errors and logs name a webhook: `scheme://host:port`, nothing of
/// the path, query or user info.
pub fn origin(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
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

impl Handler for Webhook {
    fn handle(&self, ctx: JobContext) -> HandlerFuture {
        let client = self.client.clone();
        let allow_private = self.allow_private;
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
            if let Some(h) = p
                .headers
                .keys()
                .find(|h| redspin_core::webhook::forbidden_header(h))
            {
                return Err(HandlerError::fail(format!(
                    "webhook header {h:?} may not be set"
                )));
            }
            if !allow_private {
                destination::check_literal(&url).map_err(|r| HandlerError::fail(r.to_string()))?;
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
            let shown = origin(&url);

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
                    return Err(HandlerError::fail(format!(
                        "webhook {shown}: {}",
                        e.without_url()
                    )))
                }
                Err(e) => {
                    if let Some(refused) = destination::refused_in(&e) {
                        return Err(HandlerError::fail(refused.to_string()));
                    }
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
                Outcome::Fail if status.is_redirection() => Err(HandlerError::fail(format!(
                    "webhook {shown} answered {status}: redirects are not followed"
                ))),
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
    fn webhooks_are_named_by_origin_only() {
        let cases = [
            (
                "https://user:pw@example.com/hook?token=s3cret#x",
                "https://example.com:443",
            ),
            (
                "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
                "https://hooks.slack.com:443",
            ),
            ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080"),
            ("http://[::1]/", "http://[::1]:80"),
        ];
        for (url, want) in cases {
            assert_eq!(origin(&Url::parse(url).unwrap()), want, "{url}");
        }
    }
}
