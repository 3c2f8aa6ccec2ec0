//! W3C trace context (`traceparent`, `tracestate`) in and out of `tracing`
//! spans: what a job envelope carries across the queue and a webhook sends.
//! Also what a span learns after it started: its final name, a failure.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// A trace context as its two headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct W3c {
    pub traceparent: String,
    pub tracestate: Option<String>,
}

/// Makes `span` a child of the context in `w3c` (a malformed one is
/// ignored: the span starts a trace of its own). Call before the span is
/// first entered.
pub fn set_parent(span: &tracing::Span, w3c: Option<&W3c>) {
    let Some(w3c) = w3c else { return };
    let mut carrier = HashMap::new();
    carrier.insert("traceparent".to_owned(), w3c.traceparent.clone());
    if let Some(s) = &w3c.tracestate {
        carrier.insert("tracestate".to_owned(), s.clone());
    }
    let cx = TraceContextPropagator::new().extract(&carrier);
    if cx.span().span_context().is_valid() {
        let _ = span.set_parent(cx);
    }
}

/// The context of `span` as headers, `None` when it has none (no exporter
/// is set up, or the span is disabled).
pub fn of(span: &tracing::Span) -> Option<W3c> {
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return None;
    }
    let mut carrier: HashMap<String, String> = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    Some(W3c {
        traceparent: carrier.remove("traceparent")?,
        tracestate: carrier.remove("tracestate").filter(|s| !s.is_empty()),
    })
}

/// The trace id of `span` (32 hex digits), `None` when it has none.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// Renames `span` once it has started (recording `otel.name` renames a
/// span only before it is first entered).
pub fn rename(span: &tracing::Span, name: String) {
    if !span.is_disabled() {
        span.context().span().update_name(name);
    }
}

/// Marks `span` failed with `message`, and who is to blame (`guest` or
/// `host`), as Spin's `mark_as_error` does (`error.blame`).
pub fn mark_error(span: &tracing::Span, message: &str, blame: &'static str) {
    if !span.is_disabled() {
        span.set_status(opentelemetry::trace::Status::error(message.to_owned()));
        span.set_attribute("error.blame", blame);
    }
}

/// Adds the event `name` with integer attributes to `span`, for the
/// exporter only (no log line).
pub fn add_event(span: &tracing::Span, name: &'static str, attrs: &[(&'static str, i64)]) {
    if !span.is_disabled() {
        let attrs = attrs
            .iter()
            .map(|(k, v)| opentelemetry::KeyValue::new(*k, *v))
            .collect();
        span.add_event(name, attrs);
    }
}
