//! The worker runtime: per queue a fetcher, an acker and a promoter, plus
//! one liveness task (heartbeat and reaper) and one wake listener.
//!
//! Shutdown, in order: stop fetching; let running handlers finish within the
//! grace period, then cancel the rest; flush pending acks; hand unfinished
//! jobs back to the ready list and deregister. Heartbeats go on until the
//! hand-back, so no other worker recovers jobs that are still running here.

mod acker;
mod execute;
mod fetch;
mod inflight;
mod lifecycle;
mod liveness;
mod promote;
mod running;
mod trace;
mod wake;

use std::time::Duration;

use redspin_core::Op;
use tokio_util::sync::CancellationToken;

use crate::config::WorkerConfig;
use crate::error::Result;
use crate::handler::Registry;
use crate::metrics::Metrics;
use redspin_queue::Connection;

/// How long a fetcher blocks on an empty queue before it looks again.
const BLOCK_SECS: f64 = 1.0;

/// State shared by the worker's tasks.
pub(crate) struct Shared {
    pub config: WorkerConfig,
    pub registry: Registry,
    pub redis: Connection,
    pub metrics: Metrics,
    /// Stop fetching (graceful shutdown has begun).
    pub stop: CancellationToken,
    /// The grace period is over: cancel running handlers.
    pub hard: CancellationToken,
    /// The jobs running here, to abort the cancelled ones.
    pub running: running::Running,
}

/// A configured worker, ready to [`run`](Worker::run).
pub struct Worker {
    config: WorkerConfig,
    registry: Registry,
    metrics: Metrics,
}

/// What a finished run did at shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunSummary {
    /// Unfinished jobs handed back to the ready lists.
    pub requeued: usize,
}

impl Worker {
    pub fn new(config: WorkerConfig, registry: Registry) -> Self {
        Self {
            config,
            registry,
            metrics: Metrics::new(),
        }
    }

    /// Uses `metrics` (e.g. one already served on a listener).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// Runs until `shutdown` resolves, then stops gracefully (in the order
    /// this module's documentation gives).
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> Result<RunSummary> {
        let running = lifecycle::start(self.config, self.registry, self.metrics).await?;
        shutdown.await;
        Ok(running.stop().await)
    }
}

pub(crate) fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Runs `op` until it succeeds, backing off between tries, or gives up when
/// the grace period has ended. Used where dropping the outcome would lose a
/// state change (ack, retry, bury).
pub(crate) async fn persist<O: Op>(shared: &Shared, what: &str, op: &O) -> Option<O::Output> {
    let mut delay = Duration::from_millis(20);
    loop {
        match shared.redis.run(op).await {
            Ok(out) => return Some(out),
            Err(e) => {
                tracing::warn!(error = %redspin_core::error::Chain(&e), "{what} failed; trying again in {delay:?}");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shared.hard.cancelled() => return None,
                }
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}
