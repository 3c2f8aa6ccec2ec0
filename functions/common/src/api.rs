//! The entry point every component shares ([`serve`]), and the responses
//! and errors of the route groups, over the `http` crate's types (the
//! `platform` backends convert to and from each spin-sdk's).

use std::future::Future;

use http::header::{HeaderName, HeaderValue};
use http::HeaderMap;
use serde::Serialize;

use crate::config::Config;
use crate::context::{Ctx, Request, Response};

/// Largest request body the app reads (every body it takes is JSON). Spin
/// sets no limit of its own: it hands the component the body as a stream.
pub use crate::validate::MAX_JSON_BYTES as MAX_BODY_BYTES;

pub fn too_large() -> ApiError {
    ApiError::new(413, "request body too large")
}

/// 413 before any of the body is read when `Content-Length` is over
/// [`MAX_BODY_BYTES`]; 400 when it is not a number.
pub fn check_declared_length(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(v) = headers.get(http::header::CONTENT_LENGTH) else {
        return Ok(());
    };
    let n: u64 = v
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| ApiError::bad_request("invalid content-length"))?;
    if n > MAX_BODY_BYTES as u64 {
        return Err(too_large());
    }
    Ok(())
}

/// A component's entry point, behind its backend's: its settings (500
/// naming the variable when one does not parse), the request (`read`,
/// within the body limit), the guard, then the route group's handler with
/// the request's [`Ctx`].
pub async fn serve<F, Fut>(
    read: impl Future<Output = Result<Request, ApiError>>,
    handler: F,
) -> Response
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Response>,
{
    let config = match Config::load().await {
        Ok(c) => c,
        Err(e) => return ApiError::new(500, e.to_string()).into_response(),
    };
    let req = match read.await {
        Ok(req) => req,
        Err(e) => return e.into_response(),
    };
    let ctx = Ctx::new(req, config);
    match guard(&ctx) {
        Ok(()) => handler(ctx).await,
        Err(e) => e.into_response(),
    }
}

/// The authority (`host[:port]`) the request was sent to. WASI HTTP hands
/// it over as the request URI's authority rather than a `Host` header;
/// where a host leaves the URI without one (a WASIp3 request may), the
/// `Host` header is the same thing.
fn authority(ctx: &Ctx) -> Option<&str> {
    let from_uri = ctx.req.uri().authority().map(|a| a.as_str());
    from_uri
        .or_else(|| ctx.header("host"))
        .filter(|a| !a.is_empty())
}

/// Cross-site requests and non-JSON bodies, refused before any route.
fn guard(ctx: &Ctx) -> Result<(), ApiError> {
    let method = ctx.req.method().to_string();
    let facts = crate::guard::Facts {
        method: &method,
        content_type: ctx.header("content-type"),
        body_len: ctx.req.body().len(),
        has_session_cookie: ctx.session_id().is_some_and(|c| !c.is_empty()),
        origin: ctx.header("origin"),
        sec_fetch_site: ctx.header("sec-fetch-site"),
        host: authority(ctx),
        https: ctx.config.cookie_secure,
    };
    crate::guard::check(&facts).map_err(|r| match r {
        crate::guard::Refusal::CrossSite => ApiError::new(403, "cross-site request refused"),
        crate::guard::Refusal::NotJson => {
            ApiError::new(415, "Content-Type must be application/json")
        }
    })
}

/// The request's Redis connection for `what` (named in the 503 when
/// Redis is unavailable).
pub async fn redis<'a>(ctx: &'a Ctx, what: &str) -> Result<&'a redspin_edge::SpinRedis, ApiError> {
    ctx.redis()
        .await
        .as_ref()
        .map_err(|e| ApiError::unavailable(what, e))
}

/// The request's connection to the cache's Redis (named "cache" in the
/// 503 when it is unavailable).
pub async fn cache_redis(ctx: &Ctx) -> Result<&redspin_edge::SpinRedis, ApiError> {
    ctx.cache_redis()
        .await
        .as_ref()
        .map_err(|e| ApiError::unavailable("cache", e))
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
        eprintln!("{what} unavailable: {}", redspin_core::error::Chain(e));
        Self::new(503, format!("{what} unavailable, try again shortly"))
    }
    /// A database failure (logged; the client gets no details).
    pub fn database(e: crate::sql::DbError) -> Self {
        eprintln!("database error: {}", e.0);
        Self::new(500, "database error")
    }
    pub fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        let mut resp = respond_with(self.status, "application/json", body.into_bytes());
        for (k, v) in self.headers {
            set_header(&mut resp, &k, v);
        }
        resp
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    respond_with(status, "application/json", body)
}

/// A response with `Content-Type` and `nosniff`.
pub fn respond_with(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    let mut resp = http::Response::new(body);
    *resp.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    set_header(&mut resp, "content-type", content_type);
    set_header(&mut resp, "x-content-type-options", "nosniff");
    resp
}

/// Sets (replaces) a header. The app's names and values are its own and
/// well formed; one that is not is dropped, with a log line naming the
/// header, never the value.
/// Adds a header, keeping those already there under the name (two
/// `Set-Cookie`s).
pub fn add_header(resp: &mut Response, name: &str, value: impl Into<String>) {
    match (
        HeaderName::try_from(name),
        HeaderValue::try_from(value.into()),
    ) {
        (Ok(n), Ok(v)) => {
            resp.headers_mut().append(n, v);
        }
        _ => eprintln!("response header {name:?} dropped: not a valid header"),
    }
}

pub fn set_header(resp: &mut Response, name: &str, value: impl Into<String>) {
    let parsed = (
        HeaderName::try_from(name),
        HeaderValue::try_from(value.into()),
    );
    match parsed {
        (Ok(n), Ok(v)) => {
            resp.headers_mut().insert(n, v);
        }
        _ => eprintln!("response header {name:?} dropped: not a valid header"),
    }
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
