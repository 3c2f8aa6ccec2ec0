//! Queue operations: each builds its [`Request`](crate::Request) and parses
//! its reply, so every client runs the same protocol.

mod ack;
mod cancel;
mod control;
mod dead;
mod enqueue;
mod fetch;
mod heartbeat;
mod promote;
mod reap;
mod reconcile;
mod retry;
mod schedule;
mod scheduled;
mod stats;
mod status;

pub use ack::{Ack, Finished};
pub use cancel::{Cancel, Cancelled, Discard};
pub use control::{GetControl, Limits, QueueControl, SetControl};
pub use dead::{DeadEntry, ListDead, PurgeDead, Revive};
pub use enqueue::{Enqueue, Enqueued, UNIQUE_HOLD_MS};
pub use fetch::{Claimed, Fetch, Fetched};
pub use heartbeat::{Heartbeat, WorkerInfo};
pub use promote::{Promote, Promoted};
pub use reap::{Reap, Reaped, Requeue};
pub use reconcile::Reconcile;
pub use retry::{Bury, DeadLimit, Retry};
pub use schedule::{tick_job_id, validate_schedule_name, FireTick, MAX_SCHEDULE_NAME_LEN};
pub use scheduled::RunNow;
pub use stats::{QueueStats, Stats};
pub use status::{GetStatus, JobStatus};

/// How long the per-minute counters (`P:{q}:minute:M`) are kept: the
/// dashboard charts the last hour; the rest is margin for clock skew.
pub const MINUTE_TTL_SECS: u64 = 2 * 3600;

/// The minute (since the Unix epoch) that `now_ms` falls in.
pub fn minute_of(now_ms: u64) -> u64 {
    now_ms / 60_000
}

/// Most jobs one fetch or promotion moves in one script run, so a script
/// never blocks Redis for long.
pub const MAX_BATCH: usize = 1000;

pub(crate) fn as_flag(op: &'static str, reply: crate::Value) -> Result<bool, crate::CoreError> {
    Ok(reply.as_i64(op)? != 0)
}
