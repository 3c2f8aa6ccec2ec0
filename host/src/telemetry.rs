//! The request's spans and metric as Spin 4.0.2 makes them
//! (`crates/trigger-http/src/instrument.rs` and `server.rs`): a SERVER span
//! `spin_trigger_http.handle_http_request`, renamed `"{METHOD} {route}"`
//! when it ends and continuing an incoming `traceparent`; inside it
//! `execute_wasm_component <component>`; the counter `spin.request_count`.
//! The host interfaces' own spans sit beside their code (Redis, SQLite,
//! key-value, variables, outbound HTTP), with Spin's names.
//!
//! Safer than Spin: the span carries no `url.path` or `url.query` (a path
//! or query may hold a token; `http.route` names the route instead), and
//! outbound `url.full` is the origin only. With no exporter set up the
//! spans are never created ([`redspin_process::SpansInLogs::Hidden`]).
//! Only this module's events reach the exporter ([`EVENTS`]): log lines
//! elsewhere may quote a guest's output.

use std::net::SocketAddr;

use opentelemetry::metrics::Counter;
use opentelemetry::KeyValue;
use redspin_telemetry::propagation::{self, W3c};
use tracing::field::Empty;
use tracing::Span;

/// The target of the events exported as span events.
pub const EVENTS: &str = module_path!();

/// The SERVER span for `req` from `client`, a child of the request's own
/// trace context when it carries a well-formed one.
pub fn request_span<B>(req: &http::Request<B>, client: SocketAddr) -> Span {
    let headers = req.headers();
    let span = tracing::info_span!(
        "spin_trigger_http.handle_http_request",
        "otel.kind" = "server",
        "http.request.method" = %req.method(),
        "network.peer.address" = %client.ip(),
        "network.peer.port" = %client.port(),
        "network.protocol.name" = "http",
        "url.scheme" = req.uri().scheme_str().unwrap_or(""),
        "client.address" = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        "error.type" = Empty,
        "http.response.status_code" = Empty,
        "http.route" = Empty,
        "otel.name" = Empty,
    );
    if !span.is_disabled() {
        propagation::set_parent(&span, incoming(headers).as_ref());
    }
    span
}

/// The trace context a request arrived with.
fn incoming(headers: &http::HeaderMap) -> Option<W3c> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    Some(W3c {
        traceparent: text("traceparent")?.to_owned(),
        tracestate: text("tracestate").map(str::to_owned),
    })
}

/// Names the current request span after its `route` (the manifest's, as
/// written; `None` when no route matched) and records the status.
pub fn finish_request(method: &http::Method, route: Option<&str>, status: http::StatusCode) {
    let span = Span::current();
    if span.is_disabled() {
        return;
    }
    match route {
        Some(route) => {
            span.record("http.route", route);
            propagation::rename(&span, format!("{method} {route}"));
        }
        None => propagation::rename(&span, method.to_string()),
    }
    span.record("http.response.status_code", status.as_u16());
}

/// Marks the current request span failed, as Spin's `instrument_error`
/// does, with a fixed `error.type` (Spin puts the whole error there) and
/// the failure's first line as the status (no guest output).
pub fn request_failed(error: &str) {
    let span = Span::current();
    if span.is_disabled() {
        return;
    }
    tracing::info!(error = %error);
    span.record("error.type", "component_failed");
    propagation::mark_error(&span, error, "guest");
}

/// Records a host call's failure on its span (the current one), as
/// `#[instrument(err)]` does in Spin: an `exception` event.
pub fn call_failed(error: &impl std::fmt::Debug) {
    if !Span::current().is_disabled() {
        tracing::info!(error = ?error);
    }
}

/// Marks the current execute span failed, as Spin's `err(level = INFO)`.
pub fn execute_failed(error: &anyhow::Error) {
    if !Span::current().is_disabled() {
        tracing::info!(error = %first_line(error));
    }
}

/// The first line of `error`'s own message (no causes, no backtrace).
pub fn first_line(error: &anyhow::Error) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().to_owned()
}

/// The span a component's run goes in (host calls become its children).
pub fn execute_span(component: &str) -> Span {
    tracing::info_span!(
        "spin_trigger_http.execute_wasm",
        "otel.name" = format!("execute_wasm_component {component}"),
    )
}

/// The CLIENT span of an outbound request (Spin's
/// `spin_outbound_http.send_request`), a child of the current span.
pub fn outbound_span(method: &http::Method) -> Span {
    tracing::info_span!(
        "spin_outbound_http.send_request",
        "otel.kind" = "client",
        "url.full" = Empty,
        "http.request.method" = %method,
        "otel.name" = %method,
        "http.response.status_code" = Empty,
        "server.address" = Empty,
        "server.port" = Empty,
    )
}

/// Records where `request` goes (its origin: no path, no query) on
/// `span` and gives it `span`'s `traceparent` (and `tracestate`).
pub fn outbound_prepared<B>(span: &Span, request: &mut http::Request<B>) {
    if span.is_disabled() {
        return;
    }
    let uri = request.uri();
    if let Some(a) = uri.authority() {
        // Host and port only: an authority may carry `user:password@`.
        let scheme = uri.scheme_str().unwrap_or("http");
        let origin = match a.port_u16() {
            Some(port) => format!("{scheme}://{}:{port}", a.host()),
            None => format!("{scheme}://{}", a.host()),
        };
        span.record("url.full", origin.as_str());
        span.record("server.address", a.host());
        if let Some(port) = a.port_u16() {
            span.record("server.port", port);
        }
    }
    let Some(w3c) = propagation::of(span) else {
        return;
    };
    let headers = request.headers_mut();
    if let Ok(v) = http::HeaderValue::from_str(&w3c.traceparent) {
        headers.insert("traceparent", v);
    }
    if let Some(v) = w3c
        .tracestate
        .and_then(|t| http::HeaderValue::from_str(&t).ok())
    {
        headers.insert("tracestate", v);
    }
}

/// `spin.request_count`: one per request routed to a component.
pub struct RequestCounter(Counter<u64>);

impl RequestCounter {
    pub fn new() -> Self {
        let meter = opentelemetry::global::meter("spin");
        Self(meter.u64_counter("spin.request_count").build())
    }

    /// The attributes of `component`'s requests (built once, at load).
    pub fn attributes(app: &str, component: &str) -> [KeyValue; 3] {
        [
            KeyValue::new("trigger_type", "http"),
            KeyValue::new("app_id", app.to_owned()),
            KeyValue::new("component_id", component.to_owned()),
        ]
    }

    pub fn add(&self, attributes: &[KeyValue]) {
        self.0.add(1, attributes);
    }
}

impl Default for RequestCounter {
    fn default() -> Self {
        Self::new()
    }
}
