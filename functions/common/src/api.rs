//! Responses and request helpers shared by the route groups.

use futures::TryStreamExt;
use serde::Serialize;
use spin_sdk::http::{IncomingRequest, Request, Response};

use crate::config::Config;

/// Largest request body the app reads (every body it takes is JSON). Spin
/// sets no limit of its own: it hands the component the body as a stream.
pub use crate::validate::MAX_JSON_BYTES as MAX_BODY_BYTES;

fn too_large() -> ApiError {
    ApiError::new(413, "request body too large")
}

/// Reads the request and its body, refusing a body over [`MAX_BODY_BYTES`]
/// before reading any of it when `Content-Length` says so, and as soon as
/// the stream passes the limit otherwise.
pub async fn read_request(req: IncomingRequest) -> Result<Request, ApiError> {
    let declared = req.headers().get("content-length");
    if let Some(v) = declared.first() {
        let n: u64 = std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| ApiError::bad_request("invalid content-length"))?;
        if n > MAX_BODY_BYTES as u64 {
            return Err(too_large());
        }
    }
    let mut builder = Request::builder();
    builder
        .method(req.method())
        .uri(req.uri())
        .headers(req.headers());
    let mut body = Vec::new();
    let mut stream = req.into_body_stream();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|_| ApiError::bad_request("cannot read the request body"))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend(chunk);
    }
    Ok(builder.body(body).build())
}

/// A component's entry point: its settings (500 naming the variable when
/// one does not parse), the request within the body limit, then the route
/// group's handler.
pub async fn serve(req: IncomingRequest, handler: fn(Request, &Config) -> Response) -> Response {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => return ApiError::new(500, e.to_string()).into_response(),
    };
    let req = match read_request(req).await {
        Ok(req) => req,
        Err(e) => return e.into_response(),
    };
    match guard(&req, &config) {
        Ok(()) => handler(req, &config),
        Err(e) => e.into_response(),
    }
}

/// The authority (`host[:port]`) the request was sent to. WASI HTTP hands
/// it over as the request URI's authority rather than a `Host` header.
fn authority(req: &Request) -> Option<&str> {
    let (_, rest) = req.uri().split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

/// Cross-site requests and non-JSON bodies, refused before any route.
fn guard(req: &Request, config: &Config) -> Result<(), ApiError> {
    let method = req.method().to_string();
    let facts = crate::guard::Facts {
        method: &method,
        content_type: header(req, "content-type"),
        body_len: req.body().len(),
        has_session_cookie: crate::principal::cookie(req, config).is_some_and(|c| !c.is_empty()),
        origin: header(req, "origin"),
        sec_fetch_site: header(req, "sec-fetch-site"),
        host: authority(req),
        https: config.cookie_secure,
    };
    crate::guard::check(&facts).map_err(|r| match r {
        crate::guard::Refusal::CrossSite => ApiError::new(403, "cross-site request refused"),
        crate::guard::Refusal::NotJson => {
            ApiError::new(415, "Content-Type must be application/json")
        }
    })
}

/// An error answer: a status and `{"error": message}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// Extra headers (say, a `Set-Cookie` that clears a dead session).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            headers: Vec::new(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }
    pub fn with_header(mut self, k: &str, v: String) -> Self {
        self.headers.push((k.to_owned(), v));
        self
    }
    /// Redis is needed and unavailable.
    pub fn unavailable(what: &str, e: &redspin_edge::EdgeError) -> Self {
        eprintln!("{what} unavailable: {e}");
        Self::new(503, format!("{what} unavailable, try again shortly"))
    }
    /// A database failure (logged; the client gets no details).
    pub fn database(e: spin_sdk::sqlite::Error) -> Self {
        eprintln!("database error: {e:?}");
        Self::new(500, "database error")
    }
    pub fn into_response(self) -> Response {
        let mut b = Response::builder();
        b.status(self.status)
            .header("content-type", "application/json")
            .header("x-content-type-options", "nosniff");
        for (k, v) in self.headers {
            b.header(k, v);
        }
        b.body(serde_json::json!({ "error": self.message }).to_string())
            .build()
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-content-type-options", "nosniff")
        .body(serde_json::to_vec(value).unwrap_or_default())
        .build()
}

/// The path's segments after the leading `/`, without empty ones.
pub fn segments(req: &Request) -> Vec<&str> {
    req.path().split('/').filter(|s| !s.is_empty()).collect()
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.header(name).and_then(|v| v.as_str())
}

/// Runs a route group's handler and turns errors into JSON answers.
pub fn respond(result: ApiResult) -> Response {
    result.unwrap_or_else(ApiError::into_response)
}

/// 429 `too many attempts` with `Retry-After` in whole seconds.
pub fn too_many(retry_after: std::time::Duration) -> ApiError {
    ApiError::new(429, "too many attempts, try again later").with_header(
        "retry-after",
        redspin_edge::throttle::retry_after_secs(retry_after).to_string(),
    )
}

pub fn not_found() -> ApiError {
    ApiError::new(404, "not found")
}

pub fn method_not_allowed(allowed: &str) -> ApiError {
    ApiError::new(405, "method not allowed").with_header("allow", allowed.to_owned())
}
