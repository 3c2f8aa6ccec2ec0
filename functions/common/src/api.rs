//! Responses and request helpers shared by the route groups.

use serde::Serialize;
use spin_sdk::http::{Request, Response};

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
            .header("content-type", "application/json");
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

pub fn not_found() -> ApiError {
    ApiError::new(404, "not found")
}

pub fn method_not_allowed(allowed: &str) -> ApiError {
    ApiError::new(405, "method not allowed").with_header("allow", allowed.to_owned())
}
