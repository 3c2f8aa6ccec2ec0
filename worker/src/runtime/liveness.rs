//! Heartbeats and the reaper. Every worker refreshes its heartbeat on each
//! queue and, on a slower beat, recovers the jobs of workers whose heartbeat
//! has expired (atomically, so several reapers never requeue a job twice).

use std::sync::Arc;

use redspin_core::{
    ops::{Heartbeat, Reap},
    QueueKeys,
};
use tokio_util::sync::CancellationToken;

use super::{ms, Shared};
use crate::metrics::Metrics;
use crate::redis_ops::now_ms;

pub(crate) async fn run(shared: Arc<Shared>, queues: Vec<QueueKeys>, stop: CancellationToken) {
    let worker = shared.config.worker_id.clone();
    let started_at = now_ms();
    let ttl_ms = ms(shared.config.heartbeat_ttl());
    let mut beat = tokio::time::interval(shared.config.heartbeat_every());
    let mut reap = tokio::time::interval(shared.config.reap_every());
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    reap.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = beat.tick() => {
                let info = shared.config.describe(started_at, now_ms());
                for q in &queues {
                    let op = Heartbeat { queue: q, worker: &worker, ttl_ms, info: &info };
                    if let Err(e) = shared.redis.run(&op).await {
                        tracing::warn!(queue = q.name(), error = %e, "heartbeat failed");
                    }
                }
            }
            _ = reap.tick() => {
                for q in &queues {
                    match shared.redis.run(&Reap { queue: q, now_ms: now_ms() }).await {
                        Ok(r) if r.workers > 0 => {
                            tracing::warn!(queue = q.name(), jobs = r.jobs, workers = r.workers, "recovered the jobs of dead workers");
                            shared.metrics.recovered.get_or_create(&Metrics::label(q.name())).inc_by(r.jobs as u64);
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(queue = q.name(), error = %e, "reaping failed"),
                    }
                }
            }
            _ = stop.cancelled() => return,
        }
    }
}
