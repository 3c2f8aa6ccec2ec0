//! `webhook`: payload `{url, method?, headers?, body?, timeout_ms?}`, and
//! what producers and the worker agree on about webhooks.
//!
//! `url` is an absolute `http` or `https` URL with a host; `method` an HTTP
//! method (default `POST`); `headers` may not include those that belong to
//! the connection ([`forbidden_header`]); `timeout_ms` at least 1 (default
//! [`DEFAULT_TIMEOUT_MS`]; a longer one than [`MAX_TIMEOUT_MS`] waits that
//! long). A string `body` is sent as is, any other JSON value as JSON.

use std::collections::BTreeMap;

use serde_json::Value as Json;
use url::Url;

use super::{object, string, wrong_type, PayloadError};

pub const TYPE: &str = "webhook";
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
pub const MAX_TIMEOUT_MS: u64 = 300_000;

/// A webhook payload as it is sent: checked, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub url: Url,
    /// Upper case.
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Json>,
    pub timeout_ms: u64,
}

impl Webhook {
    pub fn parse(payload: &Json) -> Result<Self, PayloadError> {
        let obj = object(payload, &["url", "method", "headers", "body", "timeout_ms"])?;
        let url = target(string(obj, "url")?.ok_or(PayloadError::new("url", "is required"))?)?;
        let method = method(string(obj, "method")?.unwrap_or("POST"))?;
        let headers = headers(obj.get("headers"))?;
        let timeout_ms = match obj.get("timeout_ms") {
            None | Some(Json::Null) => DEFAULT_TIMEOUT_MS,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| wrong_type("timeout_ms", "a whole number", v))?,
        };
        if timeout_ms == 0 {
            return Err(PayloadError::new("timeout_ms", "must be at least 1"));
        }
        Ok(Self {
            url,
            method,
            headers,
            body: obj.get("body").cloned(),
            timeout_ms: timeout_ms.min(MAX_TIMEOUT_MS),
        })
    }
}

/// An absolute `http`/`https` URL with a host. The message names the
/// scheme at most: the rest of a URL may carry secrets.
fn target(s: &str) -> Result<Url, PayloadError> {
    let bad = |why: String| PayloadError::new("url", why);
    let url = Url::parse(s).map_err(|e| bad(format!("is not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("must be http or https, got {}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host".into()));
    }
    Ok(url)
}

/// Header names and values, none of them one that belongs to the
/// connection.
fn headers(v: Option<&Json>) -> Result<BTreeMap<String, String>, PayloadError> {
    let obj = match v {
        None | Some(Json::Null) => return Ok(BTreeMap::new()),
        Some(Json::Object(obj)) => obj,
        Some(other) => return Err(wrong_type("headers", "an object", other)),
    };
    let mut out = BTreeMap::new();
    for (name, value) in obj {
        if forbidden_header(name) {
            return Err(PayloadError::new(
                "headers",
                format!("header {name:?} may not be set"),
            ));
        }
        let Json::String(value) = value else {
            return Err(wrong_type("headers", "an object of strings", value));
        };
        out.insert(name.clone(), value.clone());
    }
    Ok(out)
}

/// An HTTP method: a token (RFC 9110 5.6.2), upper-cased.
fn method(m: &str) -> Result<String, PayloadError> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if m.is_empty() || !m.bytes().all(tchar) {
        return Err(PayloadError::new("method", "is not an HTTP method"));
    }
    Ok(m.to_ascii_uppercase())
}

/// Headers a producer may not set on a webhook: they belong to the
/// connection, not to the message (request smuggling, proxy abuse), or to
/// the worker's signature (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`: a producer must not forge or duplicate them).
/// `POST /tasks` refuses them with 400; the worker sends a job that has
/// one, however it was enqueued, to the dead set.
pub fn forbidden_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    matches!(
        n.as_str(),
        "host"
            | "content-length"
            | "transfer-encoding"
            | "connection"
            | "upgrade"
            | "te"
            | "webhook-id"
            | "webhook-timestamp"
            | "webhook-signature"
    ) || n.starts_with("proxy-")
}

/// How errors and logs name a webhook: `scheme://host:port`, nothing of
/// the path, query or user info.
pub fn origin(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_headers_are_forbidden() {
        for (name, refused) in [
            ("Host", true),
            ("content-length", true),
            ("Transfer-Encoding", true),
            ("CONNECTION", true),
            ("upgrade", true),
            ("TE", true),
            ("Proxy-Authorization", true),
            ("Webhook-Signature", true),
            ("webhook-id", true),
            (" webhook-timestamp ", true),
            ("Webhook-Attempt", false),
            ("proxy-connection", true),
            (" host ", true),
            ("X-Signature", false),
            ("Content-Type", false),
            ("Authorization", false),
            ("tea", false),
        ] {
            assert_eq!(forbidden_header(name), refused, "{name:?}");
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
            assert_eq!(origin(&url::Url::parse(url).unwrap()), want, "{url}");
        }
    }

    #[test]
    fn payloads_are_judged_field_by_field() {
        use serde_json::json;
        let cases = [
            (json!({"url": "https://example.com/hook"}), Ok(())),
            (
                json!({"url": "http://127.0.0.1:8080/a", "method": "put"}),
                Ok(()),
            ),
            (
                json!({"url": "not a url"}),
                Err("payload.url: is not an absolute URL"),
            ),
            (
                json!({"url": "ftp://example.com/x"}),
                Err("payload.url: must be http or https, got ftp"),
            ),
            (json!({"url": "https:///x"}), Ok(())),
            (
                json!({"url": "mailto:a@b.c"}),
                Err("payload.url: must be http or https"),
            ),
            (
                json!({"url": "http://"}),
                Err("payload.url: is not an absolute URL"),
            ),
            (json!({"method": "GET"}), Err("payload.url: is required")),
            (
                json!({"url": 5}),
                Err("payload.url: must be a string, got a number"),
            ),
            (
                json!({"url": "https://x.y", "extra": 1}),
                Err("payload: unknown field \"extra\""),
            ),
            (
                json!({"url": "https://x.y", "headers": ["a"]}),
                Err("payload.headers: must be an object"),
            ),
            (
                json!({"url": "https://x.y", "headers": {"X-A": 1}}),
                Err("payload.headers: must be an object of strings"),
            ),
            (
                json!({"url": "https://x.y", "timeout_ms": "5"}),
                Err("payload.timeout_ms: must be a whole number"),
            ),
            (
                json!({"url": "https://x.y", "method": "GE T"}),
                Err("payload.method:"),
            ),
            (
                json!({"url": "https://x.y", "method": ""}),
                Err("payload.method:"),
            ),
            (
                json!({"url": "https://x.y", "headers": {"Host": "evil"}}),
                Err("payload.headers: header \"Host\" may not be set"),
            ),
            (
                json!({"url": "https://x.y", "timeout_ms": 0}),
                Err("payload.timeout_ms: must be at least 1"),
            ),
            (json!({"url": "https://x.y", "timeout_ms": 300_001}), Ok(())),
            (
                json!("https://x.y"),
                Err("payload: must be a JSON object, got a string"),
            ),
        ];
        for (payload, want) in cases {
            let got = Webhook::parse(&payload)
                .map(drop)
                .map_err(|e| e.to_string());
            match want {
                Ok(()) => assert_eq!(got, Ok(()), "{payload}"),
                Err(w) => assert!(
                    got.as_ref().is_err_and(|g| g.starts_with(w)),
                    "{payload}: {got:?}"
                ),
            }
        }
        let w = Webhook::parse(&json!({"url": "https://x.y/h", "method": "put"})).unwrap();
        assert_eq!(
            (w.method.as_str(), w.timeout_ms),
            ("PUT", DEFAULT_TIMEOUT_MS)
        );
        let long = Webhook::parse(&json!({"url": "https://x.y", "timeout_ms": u64::MAX})).unwrap();
        assert_eq!(long.timeout_ms, MAX_TIMEOUT_MS, "capped, as it always was");
        let secret = Webhook::parse(&json!({"url": "https://x.y", "method": "s3cret value"}));
        assert!(!secret.unwrap_err().to_string().contains("s3cret"));
    }
}
