//! The fetch loop of one queue: claim as many jobs as there are free
//! handler slots, block on `BLMOVE` while the queue is empty, and spawn one
//! task per job.
//!
//! A claim or `BLMOVE` whose reply never arrives (a timeout, a dropped
//! connection, Redis frozen) may still have moved envelopes into this
//! worker's processing list. So after any fetch error, and every
//! `recovery_timeout` anyway, the loop reconciles that list with what it
//! really holds ([`InFlight`]) and hands the rest back, atomically. It does
//! so between claims, never beside one.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::{
    ops::{Fetch, Reconcile},
    QueueKeys, Value,
};
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
    let worker = shared.config.worker_id.clone();
    let mut error_delay = Duration::from_millis(50);
    let mut carried: Option<Vec<u8>> = None;
    let inflight = InFlight::default();
    let every = shared.config.recovery_timeout;
    let mut reconcile_at = tokio::time::Instant::now() + every;
    let mut must_reconcile = false;
    loop {
        let first = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the slot semaphore is never closed"),
            _ = shared.stop.cancelled() => return,
        };
        if must_reconcile || tokio::time::Instant::now() >= reconcile_at {
            if let Err(e) = reconcile(&shared, &queue, &worker, &inflight, carried.as_deref()).await
            {
                tracing::warn!(queue = queue.name(), error = %e, "reconciling the processing list failed; trying again in {error_delay:?}");
                drop(first);
                must_reconcile = true;
                tokio::select! {
                    _ = tokio::time::sleep(error_delay) => {}
                    _ = shared.stop.cancelled() => return,
                }
                error_delay = (error_delay * 2).min(Duration::from_secs(2));
                continue;
            }
            must_reconcile = false;
            reconcile_at = tokio::time::Instant::now() + every;
        }
        let mut permits: Vec<OwnedSemaphorePermit> = vec![first];
        while permits.len() < shared.config.fetch_batch {
            match slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        // A started request is never abandoned: a move the server makes
        // after we stop listening would leave a job nobody hands back. An
        // envelope moved by BLMOVE whose claim failed is carried to the next
        // try rather than left in the processing list.
        let mut fetched = claim(&shared, &queue, &worker, permits.len(), carried.as_deref()).await;
        if matches!(&fetched, Ok(v) if v.is_empty()) {
            if shared.stop.is_cancelled() {
                return;
            }
            let cmd = Fetch::blocking_move(&queue, &worker, BLOCK_SECS);
            fetched = match blocking.command(&cmd).await {
                Ok(Value::Nil) => Ok(Vec::new()),
                Ok(v) => match v.into_bytes("blmove") {
                    Ok(raw) => {
                        carried = Some(raw);
                        claim(&shared, &queue, &worker, permits.len(), carried.as_deref()).await
                    }
                    Err(e) => Err(e.into()),
                },
                Err(e) => Err(e.into()),
            };
        }
        match fetched {
            Ok(items) => {
                carried = None;
                error_delay = Duration::from_millis(50);
                for item in items {
                    let permit = permits.pop().expect("never more jobs than permits");
                    jobs.spawn(execute::run(
                        shared.clone(),
                        queue.clone(),
                        Held::new(&inflight, item.raw),
                        item.lost,
                        permit,
                        acks.clone(),
                    ));
                }
            }
            Err(e) => {
                tracing::warn!(queue = queue.name(), error = %e, "fetch failed; trying again in {error_delay:?}");
                drop(permits);
                must_reconcile = true;
                tokio::select! {
                    _ = tokio::time::sleep(error_delay) => {}
                    _ = shared.stop.cancelled() => return,
                }
                error_delay = (error_delay * 2).min(Duration::from_secs(2));
            }
        }
        if shared.stop.is_cancelled() {
            return;
        }
    }
}

async fn claim(
    shared: &Shared,
    queue: &QueueKeys,
    worker: &str,
    max: usize,
    blocked: Option<&[u8]>,
) -> crate::Result<Vec<redspin_core::ops::Fetched>> {
    let op = Fetch {
        queue,
        worker,
        max,
        now_ms: now_ms(),
        blocked,
        heartbeat_ttl_ms: ms(shared.config.heartbeat_ttl()),
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
        shared
            .metrics
            .recovered
            .get_or_create(&crate::metrics::Metrics::label(queue.name()))
            .inc_by(n as u64);
    }
    Ok(())
}
