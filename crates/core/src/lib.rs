//! # redspin-core
//!
//! The I/O-free heart of redspin, shared by the Spin components (which talk
//! to Redis through spin-sdk's `execute`) and the native worker (redis-rs).
//! The queue protocol lives here once, so producers and consumers agree by
//! construction. It compiles for `wasm32-wasip2` and depends on neither
//! tokio nor a Redis client.
//!
//! ## Layout
//! - [`keys`]: the key schema (one prefix; queue keys carry a cluster hash tag).
//! - [`job`]: the job envelope and the job states.
//! - [`command`]: commands and replies as data, and the [`Op`] trait every
//!   operation implements: build a [`Request`], parse a [`Value`].
//! - [`scripts`]: the Lua scripts (`scripts/*.lua`), one per operation.
//! - [`ops`]: the operations: enqueue, promote, fetch, ack, retry, bury,
//!   heartbeat, reap, requeue, dead-set management, stats, status.
//! - [`backoff`]: retry delays.
//! - [`jobs`]: the built-in job types' payloads (`webhook`,
//!   `cache.invalidate`, `noop`), judged in one place.
//! - [`redis_error`]: Redis error codes recognised in any client's wording.
//!
//! ## Running an operation
//! A client sends [`Op::request`]: a plain command, or a script call that is
//! tried as `EVALSHA` and, on a `NOSCRIPT` error, sent again as `EVAL`. The
//! reply, converted to [`Value`], goes to [`Op::parse`].
//!
//! ```
//! use redspin_core::{KeySchema, NewJob, Op, Request, ops::Enqueue};
//!
//! let queue = KeySchema::default().queue("default").unwrap();
//! let job = NewJob::new("webhook", serde_json::json!({"url": "http://example.com"}))
//!     .delay_ms(1000)
//!     .into_job(uuid::Uuid::new_v4(), 1_700_000_000_000)
//!     .unwrap();
//! let op = Enqueue { queue: &queue, job: &job, now_ms: 1_700_000_000_000 };
//! let Request::Script(call) = op.request() else { unreachable!() };
//! assert_eq!(call.evalsha().name, "EVALSHA");
//! ```
//!
//! Requires Redis 6.2 or newer (`LMOVE`, `BLMOVE`).

pub mod backoff;
pub mod command;
pub mod error;
pub mod job;
pub mod jobs;
pub mod keys;
pub mod ops;
pub mod redis_error;
pub mod scripts;
pub mod trace;

/// The cache's Redis address that means "the main Redis": the manifests'
/// default for `cache_redis_url`, accepted by the worker's
/// `--cache-redis-url` too. Spin refuses an empty `allowed_outbound_hosts`
/// entry, and `self` there grants no Redis connection, so this default
/// widens no component's network access.
pub const CACHE_SHARES_MAIN_REDIS: &str = "redis://self";

pub use backoff::Backoff;
pub use command::{Arg, Command, Op, Request, ScriptCall, Value};
pub use error::CoreError;
pub use job::{Job, JobState, NewJob};
pub use keys::{KeySchema, QueueKeys};
pub use redis_error::is_noscript;
