//! The fetch loop of one queue: claim as many jobs as there are free
//! handler slots, block on `BLMOVE` while the queue is empty, and spawn one
//! task per job.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::{ops::Fetch, QueueKeys, Value};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::task::TaskTracker;

use super::{acker::AckItem, execute, Shared, BLOCK_SECS};
use crate::redis_ops::{now_ms, Redis};

pub(crate) async fn run(
    shared: Arc<Shared>,
    queue: QueueKeys,
    blocking: Redis,
    slots: Arc<Semaphore>,
    acks: mpsc::Sender<AckItem>,
    jobs: TaskTracker,
) {
    let worker = shared.config.worker_id.clone();
    let mut error_delay = Duration::from_millis(50);
    let mut carried: Option<Vec<u8>> = None;
    loop {
        let first = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the slot semaphore is never closed"),
            _ = shared.stop.cancelled() => return,
        };
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
                Err(e) => Err(e),
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
                        item,
                        permit,
                        acks.clone(),
                    ));
                }
            }
            Err(e) => {
                tracing::warn!(queue = queue.name(), error = %e, "fetch failed; trying again in {error_delay:?}");
                drop(permits);
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
    };
    shared.redis.run(&op).await
}
