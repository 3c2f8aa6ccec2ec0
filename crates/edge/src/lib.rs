//! # redspin-edge
//!
//! Redis for Spin components, written once so every component gets it
//! right: cache-aside reads with stampede protection, whole-page caching
//! with ETags, invalidation by key and by tag, cookie sessions with sliding
//! and absolute expiry, and job enqueueing for the native worker.
//!
//! Everything runs over one [`Redis`] connection per request. In a Spin
//! component that is [`SpinRedis`] (spin-sdk's connection, opened once per
//! request); in native tests any type that implements [`Redis`] will do.
//! The queue protocol and the key schema come from `redspin-core`, so what a
//! component enqueues is what the worker runs.
//!
//! ## Layout
//! - [`redis`]: the [`Redis`] trait (one command in, one reply out) and
//!   [`run`], which executes a `redspin-core` operation (scripts by
//!   `EVALSHA`, falling back to `EVAL`).
//! - [`spin`] (wasm32 only): [`SpinRedis`], the spin-sdk backend.
//! - [`entry`]: how a cache entry is stored, TTL jitter and the early
//!   refresh decision (pure logic).
//! - [`cache`]: [`Cache::get_or_compute`] and invalidation.
//! - [`page`]: whole responses in the cache, strong ETags, `If-None-Match`.
//! - [`session`]: [`SessionId`], [`SessionStore`] and the cookie.
//! - [`tasks`]: enqueue now or later, read a job's status.
//!
//! ## Example
//! ```no_run
//! # use redspin_edge::{Cache, CachePolicy, Redis};
//! # use std::time::Duration;
//! # fn load_user_from_db(id: i64) -> anyhow::Result<Option<String>> { Ok(None) }
//! # fn example(redis: &impl Redis) -> anyhow::Result<()> {
//! let cache = Cache::new(redis, redspin_core::KeySchema::default());
//! let policy = CachePolicy::new(Duration::from_secs(300)).tag("users");
//! let user = cache.get_or_compute_opt("user:1", &policy, Duration::from_secs(30), || {
//!     load_user_from_db(1)
//! })?;
//! println!("{:?} ({})", user.value, user.status.as_str());
//! # Ok(()) }
//! ```

pub mod cache;
pub mod entry;
pub mod error;
pub mod page;
pub mod redis;
mod scripts;
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod spin;
pub mod tasks;
mod util;

pub use cache::{Cache, CachePolicy, CacheStatus, Cached};
pub use error::EdgeError;
pub use page::{if_none_match, CachedPage};
pub use redis::{run, Redis};
pub use session::{Session, SessionConfig, SessionCookie, SessionId, SessionStore};
#[cfg(target_arch = "wasm32")]
pub use spin::SpinRedis;
pub use tasks::{Enqueued, Tasks};
pub use util::now_ms;
