//! # redspin-queue
//!
//! The redspin job queue as a library, for producers, operators and the
//! worker: everything here runs `redspin-core`'s operations (its Lua
//! scripts and reply parsers) over redis-rs, so the key layout is decided
//! in one place, the core's [`KeySchema`](redspin_core::KeySchema).
//!
//! ## Layout
//! - [`connection`]: the [`Connection`] to one Redis server or a Redis
//!   Cluster ([`Endpoint`]), self-reconnecting and cheap to clone.
//! - [`client`]: the producer's and operator's [`QueueClient`]: enqueue,
//!   replication check, status, stats, the dead set.
//! - [`control`]: pause, resume and limits on a queue.
//! - [`admin`]: the operator's view for the dashboard ([`Admin`]):
//!   overview, workers and what they run, pages of the scheduled and dead
//!   sets, a job by id (anything odd read back from Redis is shown as
//!   unreadable, never an error), and the actions on them (run now, retry,
//!   delete, retry all, purge all).
//! - [`schedule`]: schedules (cron and time zone), stored in Redis and
//!   fired from the workers' promoter loops, one job per tick.
//! - [`eviction`]: whether a Redis may evict the queue's keys
//!   (`maxmemory-policy`), which the worker checks at start.
//! - [`error`]: the [`QueueError`] every operation returns.
//!
//! ## Enqueue a job
//! ```no_run
//! use redspin_core::{KeySchema, NewJob};
//! use redspin_queue::QueueClient;
//!
//! # async fn demo() -> redspin_queue::Result<()> {
//! let client = QueueClient::connect("redis://127.0.0.1:6379", KeySchema::default()).await?;
//! let (job, state) = client
//!     .enqueue("default", NewJob::new("noop", serde_json::json!({})))
//!     .await?;
//! println!("{} is {state:?}", job.id);
//! # Ok(()) }
//! ```

pub mod admin;
pub mod client;
pub mod connection;
pub mod control;
pub mod error;
pub mod eviction;
pub mod schedule;

pub use admin::Admin;
pub use client::{QueueClient, Selection};
pub use connection::{Connection, Endpoint, RawConnection};
pub use error::{QueueError, Result};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
