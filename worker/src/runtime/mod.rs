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
mod liveness;
mod promote;
mod wake;

use std::sync::Arc;
use std::time::Duration;

use redspin_core::{ops::Heartbeat, ops::Requeue, Op, QueueKeys};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::WorkerConfig;
use crate::error::Result;
use crate::handler::Registry;
use crate::metrics::Metrics;
use redspin_queue::{now_ms, Connection};

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

    /// Runs until `shutdown` resolves, then stops gracefully.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> Result<RunSummary> {
        self.config.validate()?;
        let endpoint = self.config.endpoint();
        let redis = Connection::open(&endpoint, Duration::from_secs(5)).await?;
        let blocking_timeout = Duration::from_secs_f64(BLOCK_SECS) + Duration::from_secs(5);
        let queues: Vec<QueueKeys> = self
            .config
            .queues
            .iter()
            .map(|q| self.config.schema.queue(q))
            .collect::<Result<_, _>>()?;
        let shared = Arc::new(Shared {
            config: self.config,
            registry: self.registry,
            redis,
            metrics: self.metrics,
            stop: CancellationToken::new(),
            hard: CancellationToken::new(),
        });
        let worker = shared.config.worker_id.clone();

        // Register before the first fetch, so a crash is always recoverable.
        let info = shared.config.describe(now_ms(), now_ms());
        for q in &queues {
            shared
                .redis
                .run(&Heartbeat {
                    queue: q,
                    worker: &worker,
                    ttl_ms: ms(shared.config.heartbeat_ttl()),
                    info: &info,
                })
                .await?;
            let _: i64 = redis::cmd("SADD")
                .arg(shared.config.schema.queues())
                .arg(q.name())
                .query_async(&mut shared.redis.raw())
                .await?;
        }
        tracing::info!(worker = %worker, queues = ?shared.config.queues, concurrency = shared.config.concurrency, "worker started");

        let slots = Arc::new(Semaphore::new(shared.config.concurrency));
        let jobs = TaskTracker::new();
        let services = TaskTracker::new();
        let liveness_stop = CancellationToken::new();
        let mut fetchers = Vec::new();
        let mut ackers = Vec::new();
        let wakers: Vec<Arc<Notify>> = queues.iter().map(|_| Arc::new(Notify::new())).collect();

        services.spawn(liveness::run(
            shared.clone(),
            queues.clone(),
            liveness_stop.clone(),
        ));
        services.spawn(wake::run(shared.clone(), queues.clone(), wakers.clone()));
        for (q, wake) in queues.iter().zip(&wakers) {
            let blocking = Connection::open(&endpoint, blocking_timeout).await?;
            let (ack_tx, ack_rx) = mpsc::channel(shared.config.concurrency.max(64) * 4);
            ackers.push(tokio::spawn(acker::run(shared.clone(), q.clone(), ack_rx)));
            fetchers.push(tokio::spawn(fetch::run(
                shared.clone(),
                q.clone(),
                blocking,
                slots.clone(),
                ack_tx,
                jobs.clone(),
            )));
            services.spawn(promote::run(shared.clone(), q.clone(), wake.clone()));
        }

        shutdown.await;
        tracing::info!(worker = %worker, "shutting down: no new jobs are taken");
        shared.stop.cancel();
        for f in fetchers {
            let _ = f.await;
        }
        jobs.close();
        if tokio::time::timeout(shared.config.shutdown_grace, jobs.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                grace = ?shared.config.shutdown_grace,
                "handlers still running after the grace period are cancelled; their jobs go back to the queue"
            );
            shared.hard.cancel();
            jobs.wait().await;
        }
        for a in ackers {
            let _ = a.await;
        }
        liveness_stop.cancel();
        services.close();
        services.wait().await;

        let mut summary = RunSummary::default();
        for q in &queues {
            let op = Requeue {
                queue: q,
                worker: &worker,
                now_ms: now_ms(),
            };
            match shared.redis.run(&op).await {
                Ok(n) => summary.requeued += n,
                Err(e) => tracing::error!(
                    queue = q.name(), error = %e,
                    "could not hand unfinished jobs back; they are recovered when this worker's heartbeat expires"
                ),
            }
        }
        tracing::info!(worker = %worker, requeued = summary.requeued, "worker stopped");
        Ok(summary)
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
                tracing::warn!(error = %e, "{what} failed; trying again in {delay:?}");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shared.hard.cancelled() => return None,
                }
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
}
