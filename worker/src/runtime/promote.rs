//! The promoter of one queue: moves due delayed jobs to the ready list and
//! sleeps until the earliest one still scheduled is due (or until woken by
//! a newly scheduled earlier job), so promotion is late by milliseconds, not
//! by a poll interval.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::{ops::Promote, ops::MAX_BATCH, QueueKeys};
use tokio::sync::Notify;

use super::Shared;
use crate::metrics::Metrics;
use redspin_queue::now_ms;

pub(crate) async fn run(shared: Arc<Shared>, queue: QueueKeys, wake: Arc<Notify>) {
    let label = Metrics::label(queue.name());
    let max_idle = shared.config.promote_max_idle;
    let mut error_delay = Duration::from_millis(50);
    while !shared.stop.is_cancelled() {
        let op = Promote {
            queue: &queue,
            now_ms: now_ms(),
            limit: MAX_BATCH,
        };
        let wait = match shared.redis.run(&op).await {
            Ok(p) => {
                error_delay = Duration::from_millis(50);
                if p.count > 0 {
                    shared
                        .metrics
                        .promoted
                        .get_or_create(&label)
                        .inc_by(p.count as u64);
                }
                if p.count >= MAX_BATCH {
                    continue;
                }
                match p.next_due_ms {
                    Some(due) => Duration::from_millis(due.saturating_sub(now_ms())).min(max_idle),
                    None => max_idle,
                }
            }
            Err(e) => {
                tracing::warn!(queue = queue.name(), error = %redspin_core::error::Chain(&e), "promotion failed; trying again in {error_delay:?}");
                let d = error_delay;
                error_delay = (error_delay * 2).min(Duration::from_secs(2));
                d
            }
        };
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
            _ = shared.stop.cancelled() => return,
        }
    }
}
