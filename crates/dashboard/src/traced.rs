//! A SERVER span per request, for the OTLP export (`redspin-worker
//! dashboard` exports when the `OTEL_*` variables say): named
//! `"{METHOD} {route}"` after the route the router matched, never the path
//! or the query (a job id or a queue name is data).

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub async fn traced(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        otel.name = %match &route {
            Some(r) => format!("{method} {r}"),
            None => method.to_string(),
        },
        otel.kind = "server",
        http.request.method = %method,
        http.route = route.as_deref(),
        http.response.status_code = tracing::field::Empty,
    );
    let resp = next.run(req).instrument(span.clone()).await;
    span.record("http.response.status_code", resp.status().as_u16());
    resp
}
