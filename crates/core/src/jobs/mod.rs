//! The built-in job types and their payloads, defined once. `POST /tasks`,
//! `redspin-worker enqueue` (through [`NewJob::into_job`](crate::NewJob::into_job)),
//! the dashboard and the worker's handlers all judge a payload here, so
//! nothing is accepted that the worker would then bury as malformed.
//!
//! - [`webhook`]: `{url, method?, headers?, body?, timeout_ms?}`.
//! - [`invalidate`]: `cache.invalidate`, `{keys?, tags?}`.
//! - `noop`: any payload.
//!
//! Types other than these (your own handlers) are not judged here.

pub mod invalidate;
pub mod webhook;

use std::fmt;

use serde_json::Value as Json;

pub use invalidate::CacheInvalidate;
pub use webhook::Webhook;

/// The job type that does nothing (tests, health checks).
pub const NOOP: &str = "noop";

/// Longest delay a job may ask for: 30 days. Longer is refused, never
/// saturated (a due time past the clock's range would stall the promoter).
pub const MAX_DELAY_MS: u64 = 30 * 24 * 3600 * 1000;

/// What is wrong with a payload, naming the field (`payload.url: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    /// The field's path inside the payload; empty for the payload itself.
    pub field: String,
    pub problem: String,
}

impl PayloadError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The payload as an object with no field outside `known`. Messages name
/// fields and JSON types only, never a value: payloads carry secrets, and
/// these messages end up in `last_error`.
pub(crate) fn object<'a>(
    payload: &'a Json,
    known: &[&str],
) -> Result<&'a serde_json::Map<String, Json>, PayloadError> {
    let Json::Object(obj) = payload else {
        return Err(PayloadError::new(
            "",
            format!("must be a JSON object, got {}", type_name(payload)),
        ));
    };
    if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        let k: String = k.chars().take(64).collect();
        return Err(PayloadError::new(
            "",
            format!("unknown field {k:?} (known: {})", known.join(", ")),
        ));
    }
    Ok(obj)
}

/// A field that must be a string when present.
pub(crate) fn string<'a>(
    obj: &'a serde_json::Map<String, Json>,
    field: &str,
) -> Result<Option<&'a str>, PayloadError> {
    match obj.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong_type(field, "a string", other)),
    }
}

/// A field that must be a list of strings when present.
pub(crate) fn strings(
    obj: &serde_json::Map<String, Json>,
    field: &str,
) -> Result<Vec<String>, PayloadError> {
    match obj.get(field) {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| match i {
                Json::String(s) => Ok(s.clone()),
                other => Err(wrong_type(field, "a list of strings", other)),
            })
            .collect(),
        Some(other) => Err(wrong_type(field, "a list of strings", other)),
    }
}

pub(crate) fn wrong_type(field: &str, want: &str, got: &Json) -> PayloadError {
    PayloadError::new(field, format!("must be {want}, got {}", type_name(got)))
}

fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "payload: {}", self.problem)
        } else {
            write!(f, "payload.{}: {}", self.field, self.problem)
        }
    }
}

impl std::error::Error for PayloadError {}

/// Judges the payload of a built-in job type; any other type passes.
pub fn check(kind: &str, payload: &Json) -> Result<(), PayloadError> {
    match kind {
        webhook::TYPE => Webhook::parse(payload).map(drop),
        invalidate::TYPE => CacheInvalidate::parse(payload).map(drop),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn built_in_types_are_judged_and_others_pass() {
        let cases = [
            ("webhook", json!({"url": "https://example.com/hook"}), None),
            ("webhook", json!({"url": "not a url"}), Some("payload.url:")),
            ("webhook", json!({}), Some("payload.url: is required")),
            (
                "webhook",
                json!("https://secret.example/x"),
                Some("payload: must be a JSON object, got a string"),
            ),
            ("cache.invalidate", json!({"tags": ["users"]}), None),
            (
                "cache.invalidate",
                json!({}),
                Some("payload: names no keys"),
            ),
            (NOOP, json!({"anything": [1, 2]}), None),
            ("email.send", json!("whatever"), None),
        ];
        for (kind, payload, want) in cases {
            let got = check(kind, &payload).err().map(|e| e.to_string());
            match want {
                None => assert_eq!(got, None, "{kind} {payload}"),
                Some(w) => assert!(
                    got.as_deref().is_some_and(|g| g.starts_with(w)),
                    "{kind} {payload}: {got:?}"
                ),
            }
        }
    }
}
