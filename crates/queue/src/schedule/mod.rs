//! Schedules: a job created at every tick of a cron expression in a time
//! zone. They live in Redis (`P:{q}:schedule:N`, the due set
//! `P:{q}:schedules-due`, the index `P:schedules`), so every worker and the
//! dashboard see the same ones, and are fired from each worker's promoter
//! loop ([`QueueClient::fire_due_schedules`]): each tick becomes exactly one
//! job, however many workers run (core's `FireTick`).
//!
//! - [`spec`]: when a cron expression ticks (pure logic).
//! - [`store`]: set, list, remove and fire.

pub mod spec;
pub mod store;

use serde::{Deserialize, Serialize};

pub use spec::{Spec, SpecError};

/// Most schedules one deployment keeps.
pub const MAX_SCHEDULES: u64 = 10_000;

/// What `schedule set` stores (the `def` field, JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleDef {
    pub name: String,
    pub cron: String,
    #[serde(default = "utc")]
    pub tz: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: serde_json::Value,
    pub queue: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

fn utc() -> String {
    "UTC".into()
}

/// A schedule as `schedule list` and the dashboard show it (never its
/// payload: it may hold secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleView {
    pub name: String,
    pub cron: String,
    pub tz: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub queue: String,
    /// Next tick (ms); `None` when it will not tick again.
    pub next_run_at: Option<u64>,
    /// The last tick run (ms).
    pub last_run_at: Option<u64>,
    /// Why the stored definition could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl ScheduleDef {
    /// Judges the definition as the worker will: name, queue, timing, and
    /// the job (type, payload, attempts) as any enqueue.
    pub fn check(&self) -> Result<Spec, crate::QueueError> {
        redspin_core::ops::validate_schedule_name(&self.name)?;
        redspin_core::keys::validate_queue_name(&self.queue)?;
        let spec = Spec::parse(&self.cron, &self.tz)
            .map_err(|e| crate::QueueError::Config(e.to_string()))?;
        self.new_job().check()?;
        Ok(spec)
    }

    /// The job each tick creates.
    pub fn new_job(&self) -> redspin_core::NewJob {
        let mut job = redspin_core::NewJob::new(self.kind.clone(), self.payload.clone());
        job.max_attempts = self.max_attempts;
        job
    }
}
