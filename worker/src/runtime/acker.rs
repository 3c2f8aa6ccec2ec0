//! The acker of one queue: acknowledges finished jobs in batches, one round
//! trip per batch.

use std::sync::Arc;

use redspin_core::{ops::Ack, QueueKeys};
use tokio::sync::mpsc;

use super::{persist, Shared};
use crate::metrics::Metrics;
use crate::redis_ops::now_ms;

/// Most acks in one script run.
const MAX_ACKS: usize = 500;

/// A finished job: the envelope as claimed, and its id.
#[derive(Debug)]
pub(crate) struct AckItem {
    pub raw: Vec<u8>,
    pub id: String,
}

pub(crate) async fn run(shared: Arc<Shared>, queue: QueueKeys, mut rx: mpsc::Receiver<AckItem>) {
    let label = Metrics::label(queue.name());
    let mut batch: Vec<(Vec<u8>, String)> = Vec::with_capacity(MAX_ACKS);
    while let Some(first) = rx.recv().await {
        batch.push((first.raw, first.id));
        while batch.len() < MAX_ACKS {
            match rx.try_recv() {
                Ok(item) => batch.push((item.raw, item.id)),
                Err(_) => break,
            }
        }
        let op = Ack {
            queue: &queue,
            worker: &shared.config.worker_id,
            jobs: &batch,
            now_ms: now_ms(),
            retention_secs: shared.config.status_retention.as_secs(),
        };
        if let Some(n) = persist(&shared, "ack", &op).await {
            shared
                .metrics
                .processed
                .get_or_create(&label)
                .inc_by(n as u64);
            if n < batch.len() {
                tracing::warn!(
                    queue = queue.name(),
                    missing = batch.len() - n,
                    "finished jobs were no longer owned (recovered by another worker); they will run again"
                );
            }
        }
        batch.clear();
    }
}
