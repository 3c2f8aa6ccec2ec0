//! Queue operations: each builds its [`Request`](crate::Request) and parses
//! its reply, so every client runs the same protocol.

mod ack;
mod dead;
mod enqueue;
mod fetch;
mod heartbeat;
mod promote;
mod reap;
mod retry;
mod stats;
mod status;

pub use ack::Ack;
pub use dead::{DeadEntry, ListDead, PurgeDead, Revive};
pub use enqueue::Enqueue;
pub use fetch::{Fetch, Fetched};
pub use heartbeat::Heartbeat;
pub use promote::{Promote, Promoted};
pub use reap::{Reap, Reaped, Requeue};
pub use retry::{Bury, Retry};
pub use stats::{QueueStats, Stats};
pub use status::{GetStatus, JobStatus};

/// Most jobs one fetch or promotion moves in one script run, so a script
/// never blocks Redis for long.
pub const MAX_BATCH: usize = 1000;

pub(crate) fn as_flag(op: &'static str, reply: crate::Value) -> Result<bool, crate::CoreError> {
    Ok(reply.as_i64(op)? != 0)
}
