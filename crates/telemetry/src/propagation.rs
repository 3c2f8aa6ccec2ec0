//! W3C trace context (`traceparent`, `tracestate`) in and out of `tracing`
//! spans: what a job envelope carries across the queue and a webhook sends.

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
