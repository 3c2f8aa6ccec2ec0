//! Prometheus metrics: counters and a handler latency histogram updated by
//! the runtime, and queue depths read from Redis at scrape time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::{extract::State, http::header, response::IntoResponse, routing::get, Router};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{
    counter::Counter, family::Family, gauge::Gauge, histogram::Histogram,
};
use prometheus_client::registry::Registry;
use redspin_core::{ops::Stats, QueueKeys};
use tokio::net::TcpListener;

use redspin_queue::Connection;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabel {
    pub queue: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DepthLabel {
    pub queue: String,
    pub state: &'static str,
}

type HistogramFamily = Family<QueueLabel, Histogram, fn() -> Histogram>;

/// The worker's metrics. Cheap to clone (all handles are shared).
#[derive(Clone)]
pub struct Metrics {
    pub processed: Family<QueueLabel, Counter>,
    pub failed: Family<QueueLabel, Counter>,
    pub retried: Family<QueueLabel, Counter>,
    pub dead: Family<QueueLabel, Counter>,
    pub recovered: Family<QueueLabel, Counter>,
    pub promoted: Family<QueueLabel, Counter>,
    pub latency: HistogramFamily,
    pub depth: Family<DepthLabel, Gauge>,
    registry: Arc<Registry>,
}

fn latency_histogram() -> Histogram {
    // 100 us to about 100 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0001, 2.5, 16,
    ))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let counters: [(&str, &str, Family<QueueLabel, Counter>); 6] = [
            (
                "jobs_processed",
                "Jobs that finished successfully",
                Family::default(),
            ),
            (
                "jobs_failed",
                "Job attempts that failed (retried or dead)",
                Family::default(),
            ),
            (
                "jobs_retried",
                "Failed attempts rescheduled for a retry",
                Family::default(),
            ),
            ("jobs_dead", "Jobs moved to the dead set", Family::default()),
            (
                "jobs_recovered",
                "Jobs recovered from workers that died",
                Family::default(),
            ),
            (
                "jobs_promoted",
                "Delayed jobs promoted to the ready list",
                Family::default(),
            ),
        ];
        let latency = HistogramFamily::new_with_constructor(latency_histogram);
        let depth = Family::<DepthLabel, Gauge>::default();
        let mut r = Registry::with_prefix("redspin");
        for (name, help, family) in &counters {
            r.register(*name, *help, family.clone());
        }
        r.register(
            "handler_duration_seconds",
            "Handler run time",
            latency.clone(),
        );
        r.register(
            "queue_depth",
            "Jobs per queue and state, read at scrape time",
            depth.clone(),
        );
        let [processed, failed, retried, dead, recovered, promoted] = counters.map(|(_, _, f)| f);
        Self {
            processed,
            failed,
            retried,
            dead,
            recovered,
            promoted,
            latency,
            depth,
            registry: Arc::new(r),
        }
    }

    pub fn label(queue: &str) -> QueueLabel {
        QueueLabel {
            queue: queue.to_owned(),
        }
    }

    /// Reads the queue depths from Redis, then renders the text format.
    pub async fn render(&self, redis: &Connection, queues: &[QueueKeys]) -> String {
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
                        let label = DepthLabel {
                            queue: q.name().to_owned(),
                            state,
                        };
                        self.depth
                            .get_or_create(&label)
                            .set(i64::try_from(n).unwrap_or(i64::MAX));
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(queue = q.name(), error = %redspin_core::error::Chain(&e), "queue depth unavailable")
                }
                Err(_) => tracing::warn!(queue = q.name(), "queue depth timed out"),
            }
        }
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
