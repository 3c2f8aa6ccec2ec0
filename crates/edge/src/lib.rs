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
//! - [`throttle`]: attempt limits in fixed windows (login failures,
//!   registrations), taken atomically across several counters.
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
//!
//! A whole page, answered with 304 when the browser already has it, and
//! dropped with every other page when the content changes:
//! ```no_run
//! # use redspin_edge::{Cache, CachePolicy, CachedPage, Redis};
//! # use std::time::Duration;
//! # fn render(slug: &str) -> anyhow::Result<String> { Ok(String::new()) }
//! # fn example(redis: &impl Redis, if_none_match: Option<&str>) -> anyhow::Result<()> {
//! let cache = Cache::new(redis, redspin_core::KeySchema::default());
//! let policy = CachePolicy::new(Duration::from_secs(600)).tag("pages");
//! let page = cache.get_or_compute("page:/posts/hello", &policy, || {
//!     anyhow::Ok(CachedPage::new(200, "text/html; charset=utf-8", render("hello")?))
//! })?;
//! if page.value.not_modified(if_none_match) {
//!     // answer 304 with `ETag: page.value.etag`
//! }
//! // After an edit:
//! cache.invalidate_tag("pages")?;
//! # Ok(()) }
//! ```
//!
//! Sessions (the id goes in the cookie, never in a log) and a job for the
//! worker, due in a minute:
//! ```no_run
//! # use redspin_edge::{Redis, SessionConfig, SessionCookie, SessionId, SessionStore, Tasks};
//! # use redspin_core::{KeySchema, NewJob};
//! # fn example(redis: &impl Redis, cookie: &str) -> anyhow::Result<()> {
//! let store = SessionStore::new(redis, KeySchema::default(), SessionConfig::default());
//! let (id, session) = store.create(42)?;
//! let set_cookie = SessionCookie { secure: true }.set(&id, store.config().idle);
//! // Later, from the request's cookie: shape-checked before Redis is asked,
//! // and each load slides the idle expiry.
//! if let Some(session) = SessionId::parse(cookie).map(|id| store.load(&id)).transpose()?.flatten() {
//!     println!("user {}", session.user_id);
//! }
//! let tasks = Tasks::new(redis, &KeySchema::default(), "default")?;
//! let job = NewJob::new("webhook", serde_json::json!({"url": "https://example.com/hook"}))
//!     .delay_ms(60_000);
//! let queued = tasks.enqueue(job)?;
//! println!("job {} is {:?}", queued.id, queued.state);
//! # let _ = (session, set_cookie);
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
pub mod throttle;
mod util;

pub use cache::{Cache, CachePolicy, CacheStatus, Cached};
pub use error::EdgeError;
pub use page::{if_none_match, CachedPage};
pub use redis::{run, Redis};
pub use session::{Session, SessionConfig, SessionCookie, SessionId, SessionStore};
#[cfg(target_arch = "wasm32")]
pub use spin::SpinRedis;
pub use tasks::{Enqueued, Tasks};
pub use throttle::{Counter, Decision, Throttle};
pub use util::now_ms;
