//! The acker of one queue: acknowledges finished jobs in batches, one round
//! trip per batch.

use std::sync::Arc;

use redspin_core::ops::{Ack, Finished};
use redspin_core::QueueKeys;
use tokio::sync::mpsc;

use super::{inflight::Held, persist, Shared};
use redspin_queue::now_ms;

/// Most acks in one script run.
const MAX_ACKS: usize = 500;

/// A finished job: the envelope as claimed (held until the ack is
/// recorded), and its id.
pub(crate) struct AckItem {
    pub held: Held,
    pub id: String,
    /// The job's unique key, freed by the ack.
    pub unique: Option<String>,
}

pub(crate) async fn run(shared: Arc<Shared>, queue: QueueKeys, mut rx: mpsc::Receiver<AckItem>) {
    while let Some(first) = rx.recv().await {
        let mut items = vec![first];
        while items.len() < MAX_ACKS {
            match rx.try_recv() {
                Ok(item) => items.push(item),
                Err(_) => break,
            }
        }
        let batch: Vec<Finished> = items
            .iter()
            .map(|i| Finished {
                raw: i.held.raw().to_vec(),
                id: i.id.clone(),
                unique: i.unique.clone(),
            })
            .collect();
        let op = Ack {
            queue: &queue,
            worker: &shared.config.worker_id,
            jobs: &batch,
            now_ms: now_ms(),
            retention_secs: shared.config.status_retention.as_secs(),
        };
        if let Some(n) = persist(&shared, "ack", &op).await {
            shared.metrics.processed.add(queue.name(), n as u64);
            if n < batch.len() {
                tracing::warn!(
                    queue = queue.name(),
                    missing = batch.len() - n,
                    "finished jobs were no longer owned (recovered by another worker); they will run again"
                );
            }
        }
        // The envelopes stop being held only now that the ack is recorded.
        drop(items);
    }
}
