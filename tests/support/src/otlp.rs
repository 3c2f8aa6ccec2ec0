//! An OTLP/HTTP receiver for tests: it accepts `POST /v1/traces` and
//! `/v1/metrics` (protobuf, as the exporters send them), decodes them with
//! the OTLP types, and keeps what arrived.

use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use tokio::task::JoinHandle;

#[derive(Default)]
struct Got {
    traces: Vec<ExportTraceServiceRequest>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

/// A span as received, with the service that sent it.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub service: String,
    pub span: Span,
}

impl ReceivedSpan {
    pub fn trace_id_hex(&self) -> String {
        hex(&self.span.trace_id)
    }
    /// A string, int or bool attribute, as text.
    pub fn attr(&self, key: &str) -> Option<String> {
        attr(&self.span.attributes, key)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn attr(list: &[opentelemetry_proto::tonic::common::v1::KeyValue], key: &str) -> Option<String> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    let v = list
        .iter()
        .find(|kv| kv.key == key)?
        .value
        .as_ref()?
        .value
        .as_ref()?;
    Some(match v {
        Value::StringValue(s) => s.clone(),
        Value::IntValue(i) => i.to_string(),
        Value::BoolValue(b) => b.to_string(),
        Value::DoubleValue(d) => d.to_string(),
        other => format!("{other:?}"),
    })
}

/// The receiver; `endpoint` is what `OTEL_EXPORTER_OTLP_ENDPOINT` takes.
pub struct OtlpReceiver {
    pub endpoint: String,
    got: Arc<Mutex<Got>>,
    task: JoinHandle<()>,
}

impl OtlpReceiver {
    pub async fn start() -> Self {
        use axum::{body::Bytes, extract::State, http::StatusCode, routing::post};
        let got: Arc<Mutex<Got>> = Arc::default();
        let app = axum::Router::new()
            .route(
                "/v1/traces",
                post(|State(g): State<Arc<Mutex<Got>>>, body: Bytes| async move {
                    match ExportTraceServiceRequest::decode(body) {
                        Ok(r) => {
                            g.lock().unwrap().traces.push(r);
                            StatusCode::OK
                        }
                        Err(_) => StatusCode::BAD_REQUEST,
                    }
                }),
            )
            .route(
                "/v1/metrics",
                post(|State(g): State<Arc<Mutex<Got>>>, body: Bytes| async move {
                    match ExportMetricsServiceRequest::decode(body) {
                        Ok(r) => {
                            g.lock().unwrap().metrics.push(r);
                            StatusCode::OK
                        }
                        Err(_) => StatusCode::BAD_REQUEST,
                    }
                }),
            )
            .with_state(got.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            endpoint,
            got,
            task,
        }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        let got = self.got.lock().unwrap();
        let mut out = Vec::new();
        for req in &got.traces {
            for rs in &req.resource_spans {
                let service = rs
                    .resource
                    .as_ref()
                    .and_then(|r| attr(&r.attributes, "service.name"))
                    .unwrap_or_default();
                for ss in &rs.scope_spans {
                    for span in &ss.spans {
                        out.push(ReceivedSpan {
                            service: service.clone(),
                            span: span.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// The names of every metric received so far.
    pub fn metric_names(&self) -> Vec<String> {
        let got = self.got.lock().unwrap();
        got.metrics
            .iter()
            .flat_map(|r| &r.resource_metrics)
            .flat_map(|rm| &rm.scope_metrics)
            .flat_map(|sm| &sm.metrics)
            .map(|m| m.name.clone())
            .collect()
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
