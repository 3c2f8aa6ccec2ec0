//! The worker's metrics: counters and histograms updated by the runtime,
//! queue depths read from Redis (at scrape time for Prometheus, every
//! export interval for OTLP: [`sample_depths`]). Each is both a Prometheus
//! metric (`/metrics`) and an OpenTelemetry instrument of the same name
//! ([`instrument`]).

mod instrument;

pub use instrument::{Count, Depth, Seconds};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::registry::Registry;
use redspin_core::{ops::Stats, QueueKeys};
use tokio::net::TcpListener;

use redspin_queue::Connection;

/// The label of a per-queue metric.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabel {
    pub queue: String,
}

/// The labels of `queue_depth`: the queue and the jobs' state.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DepthLabel {
    pub queue: String,
    pub state: &'static str,
}

/// The worker's metrics. Cheap to clone (all handles are shared).
#[derive(Clone)]
pub struct Metrics {
    pub processed: Count,
    pub failed: Count,
    pub retried: Count,
    pub dead: Count,
    pub recovered: Count,
    pub promoted: Count,
    /// Handler run time.
    pub duration: Seconds,
    /// How long past its due time a job started.
    pub lateness: Seconds,
    pub depth: Depth,
    registry: Arc<Registry>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric, registered for `/metrics` and created on the global
    /// OpenTelemetry meter (set up by `redspin_telemetry::init`).
    pub fn new() -> Self {
        let mut r = Registry::with_prefix("redspin");
        let meter = opentelemetry::global::meter("redspin-worker");
        let count = |r: &mut Registry, name, help| Count::new(r, &meter, name, help);
        Self {
            processed: count(&mut r, "jobs_processed", "Jobs that finished successfully"),
            failed: count(
                &mut r,
                "jobs_failed",
                "Job attempts that failed (retried or dead)",
            ),
            retried: count(
                &mut r,
                "jobs_retried",
                "Failed attempts rescheduled for a retry",
            ),
            dead: count(&mut r, "jobs_dead", "Jobs moved to the dead set"),
            recovered: count(
                &mut r,
                "jobs_recovered",
                "Jobs recovered from workers that died",
            ),
            promoted: count(
                &mut r,
                "jobs_promoted",
                "Delayed jobs promoted to the ready list",
            ),
            duration: Seconds::new(
                &mut r,
                &meter,
                "handler_duration_seconds",
                "Handler run time",
            ),
            lateness: Seconds::new(
                &mut r,
                &meter,
                "job_lateness_seconds",
                "How long past its due time a job started",
            ),
            depth: Depth::new(
                &mut r,
                &meter,
                "queue_depth",
                "Jobs per queue and state, read from Redis (at scrape time; every export interval over OTLP)",
            ),
            registry: Arc::new(r),
        }
    }

    /// Reads the queue depths from Redis into the gauges.
    pub async fn sample(&self, redis: &Connection, queues: &[QueueKeys]) {
        for q in queues {
            match tokio::time::timeout(Duration::from_secs(2), redis.run(&Stats { queue: q })).await
            {
                Ok(Ok(s)) => {
                    for (state, n) in [
                        ("ready", s.ready),
                        ("scheduled", s.scheduled),
                        ("processing", s.processing),
                        ("dead", s.dead),
                    ] {
                        self.depth.set(q.name(), state, n);
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(queue = q.name(), error = %redspin_core::error::Chain(&e), "queue depth unavailable")
                }
                Err(_) => tracing::warn!(queue = q.name(), "queue depth timed out"),
            }
        }
    }

    /// Reads the queue depths from Redis, then renders the text format.
    pub async fn render(&self, redis: &Connection, queues: &[QueueKeys]) -> String {
        self.sample(redis, queues).await;
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %redspin_core::error::Chain(&e), "metrics encoding failed");
        }
        out
    }
}

#[derive(Clone)]
struct MetricsState {
    metrics: Metrics,
    redis: Connection,
    queues: Arc<[QueueKeys]>,
}

async fn scrape(State(s): State<MetricsState>) -> impl IntoResponse {
    let body = s.metrics.render(&s.redis, &s.queues).await;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
}

/// Serves `/metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    metrics: Metrics,
    redis: Connection,
    queues: Vec<QueueKeys>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = MetricsState {
        metrics,
        redis,
        queues: queues.into(),
    };
    let app = Router::new()
        .route("/metrics", get(scrape))
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds the metrics address, naming it in the error.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, crate::WorkerError> {
    TcpListener::bind(addr).await.map_err(|e| {
        crate::WorkerError::Config(format!("cannot listen for metrics on {addr}: {e}"))
    })
}

/// Reads the queue depths into the gauges every `every` until `stop`, for
/// the OTLP export (which has no scrape to read them at).
pub async fn sample_depths(
    metrics: Metrics,
    redis: Connection,
    queues: Vec<QueueKeys>,
    every: Duration,
    stop: tokio_util::sync::CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => metrics.sample(&redis, &queues).await,
            _ = stop.cancelled() => return,
        }
    }
}
