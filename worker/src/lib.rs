//! # redspin-worker
//!
//! The native tokio worker of the redspin job queue, usable as the
//! `redspin-worker` binary or as a library with your own handlers.
//!
//! Guarantees: **at-least-once delivery** (a job moves atomically from the
//! ready list to this worker's processing list and leaves it only when its
//! handler has returned; the jobs of a worker that dies are recovered by any
//! live worker within `recovery_timeout`); a **delay queue** promoted at the
//! earliest due time; **retries** with exponential backoff and jitter up to
//! each job's `max_attempts`, then a **dead set** that keeps the last error;
//! a **status record** per job; **graceful shutdown**.
//!
//! ## Layout
//! - [`config`]: settings and their defaults.
//! - [`handler`]: the [`Handler`] trait, [`HandlerError`] and the [`Registry`].
//! - [`handlers`]: built-ins: `webhook`, `cache.invalidate`, `noop`.
//! - [`runtime`]: the [`Worker`]: fetchers, ackers, promoters, liveness.
//! - [`metrics`]: Prometheus metrics and their HTTP endpoint.
//! - [`cli`]: the command line (`run`, `enqueue`, `stats`, `dead`, `status`,
//!   `dashboard`).
//!
//! The queue itself (the connection, the producer's and operator's client)
//! is the `redspin-queue` crate; the web dashboard is `redspin-dashboard`.
//!
//! ## A worker with a handler of your own
//! ```no_run
//! use redspin_worker::{HandlerError, JobContext, Registry, Worker, WorkerConfig};
//!
//! # async fn demo() -> Result<(), redspin_worker::WorkerError> {
//! let mut registry = Registry::with_builtins();
//! registry.register("email.send", |ctx: JobContext| async move {
//!     let to = ctx.job.payload["to"].as_str().ok_or_else(|| HandlerError::fail("no recipient"))?;
//!     // ... send it; a transient error returns HandlerError::retry(...)
//!     let _ = to;
//!     Ok(())
//! });
//! let worker = Worker::new(WorkerConfig::default(), registry);
//! worker.run(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

pub mod cli;
pub mod config;
pub mod error;
pub mod handler;
pub mod handlers;
pub mod metrics;
pub mod runtime;

pub use config::WorkerConfig;
pub use error::{Result, WorkerError};
pub use handler::{Handler, HandlerError, JobContext, Registry};
pub use runtime::{RunSummary, Worker};
