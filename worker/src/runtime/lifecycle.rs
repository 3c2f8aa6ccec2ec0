//! Starting a worker (connect, register, spawn its tasks) and stopping it
//! in the order `runtime`'s documentation gives.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::ops::{Heartbeat, Requeue};
use redspin_core::QueueKeys;
use redspin_queue::{now_ms, Connection};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{acker, fetch, liveness, ms, promote, wake, RunSummary, Shared, BLOCK_SECS};
use crate::config::WorkerConfig;
use crate::error::Result;
use crate::handler::Registry;
use crate::metrics::Metrics;

/// A started worker: its tasks, by the order they stop in.
pub(super) struct Running {
    shared: Arc<Shared>,
    queues: Vec<QueueKeys>,
    fetchers: Vec<JoinHandle<()>>,
    jobs: TaskTracker,
    ackers: Vec<JoinHandle<()>>,
    liveness_stop: CancellationToken,
    services: TaskTracker,
}

/// Connects, registers on every queue (before the first fetch, so a crash
/// is always recoverable), and spawns the worker's tasks.
pub(super) async fn start(
    config: WorkerConfig,
    registry: Registry,
    metrics: Metrics,
) -> Result<Running> {
    config.validate()?;
    let endpoint = config.endpoint();
    let redis = Connection::open(&endpoint, Duration::from_secs(5)).await?;
    let queues: Vec<QueueKeys> = config
        .queues
        .iter()
        .map(|q| config.schema.queue(q))
        .collect::<Result<_, _>>()?;
    let shared = Arc::new(Shared {
        config,
        registry,
        redis,
        metrics,
        stop: CancellationToken::new(),
        hard: CancellationToken::new(),
        running: Default::default(),
    });
    register(&shared, &queues).await?;
    let c = &shared.config;
    tracing::info!(worker = %c.worker_id, queues = ?c.queues, concurrency = c.concurrency, "worker started");

    let mut running = Running {
        shared: shared.clone(),
        queues: queues.clone(),
        fetchers: Vec::new(),
        jobs: TaskTracker::new(),
        ackers: Vec::new(),
        liveness_stop: CancellationToken::new(),
        services: TaskTracker::new(),
    };
    let wakers: Vec<Arc<Notify>> = queues.iter().map(|_| Arc::new(Notify::new())).collect();
    let stop = running.liveness_stop.clone();
    running
        .services
        .spawn(liveness::run(shared.clone(), queues.clone(), stop));
    running
        .services
        .spawn(wake::run(shared.clone(), queues.clone(), wakers.clone()));
    let slots = Arc::new(Semaphore::new(shared.config.concurrency));
    let blocking_timeout = Duration::from_secs_f64(BLOCK_SECS) + Duration::from_secs(5);
    for (q, wake) in queues.iter().zip(wakers) {
        let blocking = Connection::open(&endpoint, blocking_timeout).await?;
        let (ack_tx, ack_rx) = mpsc::channel(shared.config.concurrency.max(64) * 4);
        let (s, jobs) = (shared.clone(), running.jobs.clone());
        running
            .ackers
            .push(tokio::spawn(acker::run(s.clone(), q.clone(), ack_rx)));
        running.fetchers.push(tokio::spawn(fetch::run(
            s.clone(),
            q.clone(),
            blocking,
            slots.clone(),
            ack_tx,
            jobs,
        )));
        running.services.spawn(promote::run(s, q.clone(), wake));
    }
    Ok(running)
}

/// A heartbeat (with this worker's description) and the queue's name in
/// the set of known queues.
async fn register(shared: &Shared, queues: &[QueueKeys]) -> Result<()> {
    let worker = &shared.config.worker_id;
    let info = shared.config.describe(now_ms(), now_ms());
    for q in queues {
        let beat = Heartbeat {
            queue: q,
            worker,
            ttl_ms: ms(shared.config.heartbeat_ttl()),
            info: &info,
        };
        shared.redis.run(&beat).await?;
        let _: i64 = redis::cmd("SADD")
            .arg(shared.config.schema.queues())
            .arg(q.name())
            .query_async(&mut shared.redis.raw())
            .await?;
    }
    Ok(())
}

impl Running {
    /// Stops fetching; lets handlers finish within the grace period, then
    /// cancels the rest; flushes acks; stops heartbeats last and hands
    /// unfinished jobs back.
    pub(super) async fn stop(self) -> RunSummary {
        let (shared, worker) = (&self.shared, &self.shared.config.worker_id);
        tracing::info!(worker = %worker, "shutting down: no new jobs are taken");
        shared.stop.cancel();
        for f in self.fetchers {
            let _ = f.await;
        }
        self.jobs.close();
        let grace = shared.config.shutdown_grace;
        if tokio::time::timeout(grace, self.jobs.wait()).await.is_err() {
            tracing::warn!(
                ?grace,
                "handlers still running after the grace period are cancelled; their jobs go back to the queue"
            );
            shared.hard.cancel();
            self.jobs.wait().await;
        }
        for a in self.ackers {
            let _ = a.await;
        }
        self.liveness_stop.cancel();
        self.services.close();
        self.services.wait().await;
        let summary = hand_back(shared, &self.queues).await;
        tracing::info!(worker = %worker, requeued = summary.requeued, "worker stopped");
        summary
    }
}

/// Moves this worker's unfinished jobs back to the head of their queues.
async fn hand_back(shared: &Shared, queues: &[QueueKeys]) -> RunSummary {
    let mut summary = RunSummary::default();
    for q in queues {
        let op = Requeue {
            queue: q,
            worker: &shared.config.worker_id,
            now_ms: now_ms(),
        };
        match shared.redis.run(&op).await {
            Ok(n) => summary.requeued += n,
            Err(e) => tracing::error!(
                queue = q.name(), error = %redspin_core::error::Chain(&e),
                "could not hand unfinished jobs back; they are recovered when this worker's heartbeat expires"
            ),
        }
    }
    summary
}
