//! Heartbeats and the reaper. Every worker refreshes its heartbeat on each
//! queue and, on a slower beat, recovers the jobs of workers whose heartbeat
//! has expired (atomically, so several reapers never requeue a job twice).
//!
//! A reaper reaps only once its own heartbeats have succeeded for a whole
//! heartbeat time to live: when Redis itself was away (frozen, restarted,
//! unreachable), every heartbeat may have lapsed at once, and the live
//! workers get that long to beat again before anyone is presumed dead.

use std::sync::Arc;

use redspin_core::{
    ops::{Heartbeat, Reap},
    QueueKeys,
};
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::{ms, Shared};
use redspin_queue::now_ms;

pub(crate) async fn run(shared: Arc<Shared>, queues: Vec<QueueKeys>, stop: CancellationToken) {
    let worker = shared.config.worker_id.clone();
    let started_at = now_ms();
    let ttl_ms = ms(shared.config.heartbeat_ttl());
    let mut beat = tokio::time::interval(shared.config.heartbeat_every());
    let mut reap = tokio::time::interval(shared.config.reap_every());
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    reap.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let grace = shared.config.heartbeat_ttl();
    let forget_after_ms = ms(shared.config.forget_dead_after());
    let mut gate = ReapGate::new(Instant::now());
    loop {
        tokio::select! {
            _ = beat.tick() => {
                let info = shared.config.describe(started_at, now_ms());
                let mut ok = true;
                for q in &queues {
                    let op = Heartbeat { queue: q, worker: &worker, ttl_ms, info: &info };
                    if let Err(e) = shared.redis.run(&op).await {
                        tracing::warn!(queue = q.name(), error = %redspin_core::error::Chain(&e), "heartbeat failed");
                        ok = false;
                    }
                }
                gate.beat(ok, Instant::now());
            }
            _ = reap.tick() => {
                if !gate.may_reap(Instant::now(), grace) {
                    continue;
                }
                for q in &queues {
                    let op = Reap { queue: q, now_ms: now_ms(), forget_after_ms };
                    match shared.redis.run(&op).await {
                        Ok(r) if r.jobs > 0 || r.workers > 0 => {
                            tracing::warn!(queue = q.name(), jobs = r.jobs, workers = r.workers, "recovered the jobs of dead workers");
                            shared.metrics.recovered.add(q.name(), r.jobs as u64);
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(queue = q.name(), error = %redspin_core::error::Chain(&e), "reaping failed"),
                    }
                }
            }
            _ = stop.cancelled() => return,
        }
    }
}

/// When this worker may reap: only after its own heartbeats have succeeded
/// for a whole grace period (a heartbeat time to live). A failed heartbeat
/// means Redis was away for this worker too, so it was likely away for
/// everyone, and every heartbeat may have lapsed at once.
#[derive(Debug, Clone, Copy)]
struct ReapGate {
    /// Since when every heartbeat has succeeded; `None` after a failure.
    healthy_since: Option<Instant>,
}

impl ReapGate {
    fn new(now: Instant) -> Self {
        Self {
            healthy_since: Some(now),
        }
    }

    fn beat(&mut self, ok: bool, now: Instant) {
        self.healthy_since = match (ok, self.healthy_since) {
            (false, _) => None,
            (true, None) => Some(now),
            (true, since) => since,
        };
    }

    fn may_reap(&self, now: Instant, grace: Duration) -> bool {
        self.healthy_since
            .is_some_and(|since| now.saturating_duration_since(since) >= grace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaping_waits_a_grace_period_after_redis_was_away() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let grace = s(10);
        // Heartbeat outcomes as (ok, at second); asked at; may reap.
        type Beats = &'static [(bool, u64)];
        let cases: [(Beats, u64, bool); 6] = [
            (&[], 9, false),
            (&[], 10, true),
            (&[(true, 5)], 12, true),
            (&[(false, 5)], 30, false),
            (&[(false, 5), (true, 20)], 29, false),
            (&[(false, 5), (true, 20), (true, 25)], 30, true),
        ];
        for (beats, at, want) in cases {
            let mut gate = ReapGate::new(t0);
            for (ok, when) in beats {
                gate.beat(*ok, t0 + s(*when));
            }
            assert_eq!(gate.may_reap(t0 + s(at), grace), want, "{beats:?} at {at}");
        }
    }
}
