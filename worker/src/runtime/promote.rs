//! The promoter of one queue: moves due delayed jobs to the ready list,
//! fires the queue's due schedules (one job per tick, whoever fires it),
//! and sleeps until the earliest job still scheduled or the earliest next
//! tick is due (or until woken by a newly scheduled earlier job), so
//! promotion is late by milliseconds, not by a poll interval.

use std::sync::Arc;
use std::time::Duration;

use redspin_core::{ops::Promote, ops::MAX_BATCH, QueueKeys};
use tokio::sync::Notify;

use super::Shared;
use redspin_queue::now_ms;

pub(crate) async fn run(shared: Arc<Shared>, queue: QueueKeys, wake: Arc<Notify>) {
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
                    shared.metrics.promoted.add(queue.name(), p.count as u64);
                }
                if p.next_tick_ms.is_some_and(|t| t <= now_ms()) {
                    fire(&shared, &queue).await;
                    continue;
                }
                if p.count >= MAX_BATCH {
                    continue;
                }
                let earliest = [p.next_due_ms, p.next_tick_ms].into_iter().flatten().min();
                match earliest {
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

/// Fires the queue's due schedules; a failure is logged and tried again on
/// the next round.
async fn fire(shared: &Shared, queue: &QueueKeys) {
    let client =
        redspin_queue::QueueClient::new(shared.redis.clone(), shared.config.schema.clone());
    match client.fire_due_schedules(queue, now_ms()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(queue = queue.name(), jobs = n, "schedules fired"),
        Err(e) => {
            tracing::warn!(queue = queue.name(), error = %redspin_core::error::Chain(&e), "firing schedules failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
