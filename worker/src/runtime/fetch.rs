//! The fetch loop of one queue: claim as many jobs as there are free
//! handler slots, block on `BLMOVE` while the queue is empty, and spawn one
//! task per job.
//!
//! A claim or `BLMOVE` whose reply never arrives (a timeout, a dropped
//! connection, Redis frozen) may still have moved envelopes into this
//! worker's processing list. A claim the queue's switches hold back (paused,
//! at a limit) says how long to wait, and the loop waits rather than block
//! on `BLMOVE`. So after any fetch error, and every
//! `recovery_timeout` anyway, the loop reconciles that list with what it
//! really holds ([`InFlight`]) and hands the rest back, atomically. It does
//! so between claims, never beside one.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::ops::{Claimed, Fetch, Fetched, Reconcile};
use redspin_core::{QueueKeys, Value};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::task::TaskTracker;

use super::inflight::{Held, InFlight};
use super::{acker::AckItem, execute, ms, Shared, BLOCK_SECS};
use redspin_queue::{now_ms, Connection};

pub(crate) async fn run(
    shared: Arc<Shared>,
    queue: QueueKeys,
    blocking: Connection,
    slots: Arc<Semaphore>,
    acks: mpsc::Sender<AckItem>,
    jobs: TaskTracker,
) {
    let every = shared.config.recovery_timeout;
    let fetcher = Fetcher {
        worker: shared.config.worker_id.clone(),
        shared,
        queue,
        blocking,
        slots,
        acks,
        jobs,
        inflight: InFlight::default(),
        carried: None,
        error_delay: FIRST_ERROR_DELAY,
        reconcile_at: tokio::time::Instant::now() + every,
        must_reconcile: false,
    };
    fetcher.run().await
}

const FIRST_ERROR_DELAY: Duration = Duration::from_millis(50);
/// How long a paused queue, or one at its concurrency limit, waits before
/// it claims again: a resume or a freed slot is seen within this.
const GATED_WAIT: Duration = Duration::from_millis(100);
/// The longest wait between claims a rate limit may ask for.
const MAX_GATED_WAIT: Duration = Duration::from_secs(1);

/// One queue's fetch loop and what it keeps between rounds.
struct Fetcher {
    shared: Arc<Shared>,
    queue: QueueKeys,
    worker: String,
    blocking: Connection,
    slots: Arc<Semaphore>,
    acks: mpsc::Sender<AckItem>,
    jobs: TaskTracker,
    inflight: InFlight,
    /// An envelope `BLMOVE` moved whose claim failed: claimed next round.
    carried: Option<Vec<u8>>,
    error_delay: Duration,
    reconcile_at: tokio::time::Instant,
    must_reconcile: bool,
}

impl Fetcher {
    async fn run(mut self) {
        loop {
            let first = tokio::select! {
                p = self.slots.clone().acquire_owned() => p.expect("the slot semaphore is never closed"),
                _ = self.shared.stop.cancelled() => return,
            };
            if let Err(e) = self.reconcile_if_due().await {
                tracing::warn!(queue = self.queue.name(), error = %redspin_core::error::Chain(&e), "reconciling the processing list failed; trying again in {:?}", self.error_delay);
                drop(first);
                if !self.back_off().await {
                    return;
                }
                continue;
            }
            let permits = self.more_slots(first);
            match self.fetch(permits.len()).await {
                Ok(items) => self.spawn(items, permits),
                Err(e) => {
                    tracing::warn!(queue = self.queue.name(), error = %redspin_core::error::Chain(&e), "fetch failed; trying again in {:?}", self.error_delay);
                    drop(permits);
                    if !self.back_off().await {
                        return;
                    }
                }
            }
            if self.shared.stop.is_cancelled() {
                return;
            }
        }
    }

    /// After a fetch error, and every recovery timeout anyway.
    async fn reconcile_if_due(&mut self) -> crate::Result<()> {
        if !self.must_reconcile && tokio::time::Instant::now() < self.reconcile_at {
            return Ok(());
        }
        let carried = self.carried.as_deref();
        reconcile(
            &self.shared,
            &self.queue,
            &self.worker,
            &self.inflight,
            carried,
        )
        .await?;
        self.must_reconcile = false;
        self.reconcile_at = tokio::time::Instant::now() + self.shared.config.recovery_timeout;
        Ok(())
    }

    /// `first` and as many more free slots as one fetch may fill.
    fn more_slots(&self, first: OwnedSemaphorePermit) -> Vec<OwnedSemaphorePermit> {
        let mut permits = vec![first];
        while permits.len() < self.shared.config.fetch_batch {
            match self.slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        permits
    }

    /// Claims up to `max` jobs, blocking on `BLMOVE` while the queue is
    /// empty. A started request is never abandoned: a move the server makes
    /// after we stop listening would leave a job nobody hands back. An
    /// envelope moved by `BLMOVE` whose claim failed is carried to the next
    /// try rather than left in the processing list.
    async fn fetch(&mut self, max: usize) -> crate::Result<Vec<Fetched>> {
        let (shared, queue, worker) = (&self.shared, &self.queue, self.worker.as_str());
        let claimed = claim(shared, queue, worker, max, self.carried.as_deref()).await?;
        self.carried = None;
        if !claimed.jobs.is_empty() || shared.stop.is_cancelled() {
            return Ok(claimed.jobs);
        }
        if claimed.wait_ms > 0 {
            // Paused or at a limit: no BLMOVE, which would take a job the
            // switches do not allow.
            self.wait_gated(claimed.wait_ms).await;
            return Ok(Vec::new());
        }
        let cmd = Fetch::blocking_move(queue, worker, BLOCK_SECS);
        let fetched = match self.blocking.command(&cmd).await? {
            Value::Nil => Vec::new(),
            v => {
                // Claimed, or (paused or full meanwhile) handed back.
                self.carried = Some(v.into_bytes("blmove")?);
                claim(shared, queue, worker, max, self.carried.as_deref())
                    .await?
                    .jobs
            }
        };
        self.carried = None;
        Ok(fetched)
    }

    /// Waits `wait_ms` (at most [`MAX_GATED_WAIT`]) or until the worker
    /// stops.
    async fn wait_gated(&self, wait_ms: u64) {
        let wait = Duration::from_millis(wait_ms).min(MAX_GATED_WAIT);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = self.shared.stop.cancelled() => {}
        }
    }

    /// One task per claimed job, each with one of `permits`.
    fn spawn(&mut self, items: Vec<Fetched>, mut permits: Vec<OwnedSemaphorePermit>) {
        self.error_delay = FIRST_ERROR_DELAY;
        for item in items {
            let permit = permits.pop().expect("never more jobs than permits");
            self.jobs.spawn(execute::run(
                self.shared.clone(),
                self.queue.clone(),
                Held::new(&self.inflight, item.raw),
                item.lost,
                permit,
                self.acks.clone(),
            ));
        }
    }

    /// Waits out the error delay (doubling it, up to 2 s) and marks the
    /// processing list for reconciling; false when the worker is stopping.
    async fn back_off(&mut self) -> bool {
        self.must_reconcile = true;
        let delay = self.error_delay;
        self.error_delay = (delay * 2).min(Duration::from_secs(2));
        tokio::select! {
            _ = tokio::time::sleep(delay) => true,
            _ = self.shared.stop.cancelled() => false,
        }
    }
}

async fn claim(
    shared: &Shared,
    queue: &QueueKeys,
    worker: &str,
    max: usize,
    blocked: Option<&[u8]>,
) -> crate::Result<Claimed> {
    let op = Fetch {
        queue,
        worker,
        max,
        now_ms: now_ms(),
        blocked,
        heartbeat_ttl_ms: ms(shared.config.heartbeat_ttl()),
        gated_wait_ms: ms(GATED_WAIT),
    };
    Ok(shared.redis.run(&op).await?)
}

/// Hands back what the processing list holds beyond the jobs in flight and
/// the envelope carried from a `BLMOVE` whose claim failed.
async fn reconcile(
    shared: &Shared,
    queue: &QueueKeys,
    worker: &str,
    inflight: &InFlight,
    carried: Option<&[u8]>,
) -> crate::Result<()> {
    let mut running = inflight.snapshot();
    running.extend(carried.map(<[u8]>::to_vec));
    let op = Reconcile {
        queue,
        worker,
        running: &running,
        now_ms: now_ms(),
    };
    let n = shared.redis.run(&op).await?;
    if n > 0 {
        tracing::warn!(
            queue = queue.name(),
            jobs = n,
            "handed back jobs this worker's processing list held but it was not running (a claim whose reply was lost)"
        );
        shared.metrics.recovered.add(queue.name(), n as u64);
    }
    Ok(())
}
