//! Worker settings.

use std::time::Duration;

use redspin_core::{keys::DEFAULT_QUEUE, Backoff, KeySchema};

/// How a worker runs. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// One server's URL, or with `cluster` comma-separated seed nodes.
    pub redis_url: String,
    /// Redis is a Redis Cluster.
    pub cluster: bool,
    pub schema: KeySchema,
    /// Queues to consume, all with the same handlers.
    pub queues: Vec<String>,
    /// Most handlers running at once, across all queues.
    pub concurrency: usize,
    /// Most jobs one fetch claims (bounded by free handler slots).
    pub fetch_batch: usize,
    /// Upper bound on the time until the jobs of a worker that died are
    /// running again elsewhere.
    pub recovery_timeout: Duration,
    /// How long a stopping worker lets running handlers finish.
    pub shutdown_grace: Duration,
    /// How long finished (done or dead) job status records are kept.
    pub status_retention: Duration,
    /// How many dead jobs, and for how long, the dead set keeps.
    pub dead_limit: redspin_core::ops::DeadLimit,
    pub backoff: Backoff,
    /// Longest the promoter sleeps without a look at the delay set (a safety
    /// net: it is woken when an earlier job is scheduled).
    pub promote_max_idle: Duration,
    /// This worker's id (unique among live workers).
    pub worker_id: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            redis_url: "redis://127.0.0.1:6379".into(),
            cluster: false,
            schema: KeySchema::default(),
            queues: vec![DEFAULT_QUEUE.into()],
            concurrency: 64,
            fetch_batch: 100,
            recovery_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            status_retention: Duration::from_secs(24 * 3600),
            dead_limit: redspin_core::ops::DeadLimit::default(),
            backoff: Backoff::default(),
            promote_max_idle: Duration::from_secs(1),
            worker_id: new_worker_id(),
        }
    }
}

/// `w-<pid>-<random>`: unique, and tells an operator which process it was.
pub fn new_worker_id() -> String {
    format!(
        "w-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

impl WorkerConfig {
    pub fn endpoint(&self) -> redspin_queue::Endpoint {
        redspin_queue::Endpoint {
            url: self.redis_url.clone(),
            cluster: self.cluster,
        }
    }

    /// This worker's description for its heartbeats (JSON).
    pub fn describe(&self, started_at: u64, beat_at: u64) -> String {
        redspin_core::ops::WorkerInfo {
            id: self.worker_id.clone(),
            host: hostname(),
            pid: std::process::id(),
            queues: self.queues.clone(),
            concurrency: self.concurrency,
            started_at,
            beat_at,
            version: env!("CARGO_PKG_VERSION").into(),
        }
        .to_json()
    }

    /// Heartbeat time to live: half the recovery bound.
    pub fn heartbeat_ttl(&self) -> Duration {
        self.recovery_timeout / 2
    }
    /// How often the heartbeat is refreshed: three times per time to live.
    pub fn heartbeat_every(&self) -> Duration {
        self.heartbeat_ttl() / 3
    }
    /// How long a dead worker stays registered (its list emptied on every
    /// reap) after it was first found dead: four recovery bounds.
    pub fn forget_dead_after(&self) -> Duration {
        self.recovery_timeout * 4
    }
    /// How often dead workers are looked for. A dead worker's heartbeat
    /// lapses within `ttl`, and a reap follows within `ttl / 2`: recovery
    /// takes at most 3/4 of `recovery_timeout`.
    pub fn reap_every(&self) -> Duration {
        self.heartbeat_ttl() / 2
    }

    pub fn validate(&self) -> Result<(), crate::WorkerError> {
        let bad = |m: &str| Err(crate::WorkerError::Config(m.into()));
        if self.queues.is_empty() {
            return bad("at least one queue is needed");
        }
        for q in &self.queues {
            redspin_core::keys::validate_queue_name(q)?;
        }
        if self.concurrency == 0 {
            return bad("concurrency must be at least 1");
        }
        if self.recovery_timeout < Duration::from_millis(300) {
            return bad("recovery timeout must be at least 300 ms");
        }
        if self.worker_id.is_empty() || self.worker_id.contains(['{', '}', ' ']) {
            return bad("worker id must be non-empty without braces or spaces");
        }
        Ok(())
    }
}

/// The machine's name as the kernel reports it; shown to operators only,
/// so an unreadable name is shown as "?" rather than failing the worker.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_timings_fit_the_recovery_bound() {
        for secs in [1u64, 30, 120] {
            let c = WorkerConfig {
                recovery_timeout: Duration::from_secs(secs),
                ..Default::default()
            };
            assert!(c.heartbeat_ttl() + c.reap_every() < c.recovery_timeout);
            assert!(c.heartbeat_every() < c.heartbeat_ttl());
        }
    }

    #[test]
    fn validation() {
        let ok = WorkerConfig::default();
        assert!(ok.validate().is_ok());
        let cases = [
            WorkerConfig {
                queues: vec![],
                ..ok.clone()
            },
            WorkerConfig {
                queues: vec!["a b".into()],
                ..ok.clone()
            },
            WorkerConfig {
                concurrency: 0,
                ..ok.clone()
            },
            WorkerConfig {
                recovery_timeout: Duration::from_millis(10),
                ..ok.clone()
            },
            WorkerConfig {
                worker_id: "a{b}".into(),
                ..ok.clone()
            },
        ];
        for c in cases {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
