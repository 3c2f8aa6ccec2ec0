//! # redspin-edge
//!
//! Redis for Spin components, written once so every component gets it
//! right: cache-aside reads with stampede protection, whole-page caching
//! with ETags, invalidation by key and by tag, cookie sessions with sliding
//! and absolute expiry, and job enqueueing for the native worker.
//!
//! Everything runs over one [`Redis`] connection per request. The trait is
//! async, and the library is written once over it. In a Spin component the
//! connection is `SpinRedis` (spin-sdk's, opened once per request), built
//! for one spin-sdk generation, chosen by a cargo feature:
//!
//! | feature | SDK | WASI | runs on |
//! |---|---|---|---|
//! | `spin-sdk-5` (default) | spin-sdk 5.2 | WASIp2 | Spin 3.x and 4.x, SpinKube, Fermyon Cloud |
//! | `spin-sdk-6` | spin-sdk 6 | WASIp3 | Spin 4.x (what `spin new` starts with) |
//!
//! The two are mutually exclusive (a wasm32 build with both fails to
//! compile); a Spin 4 component takes
//! `redspin-edge = { path = "…/crates/edge", default-features = false, features = ["spin-sdk-6"] }`.
//! On spin-sdk 6 the calls the library joins (a page's tag writes, the
//! deletes of an invalidation) run concurrently, and so do those a
//! component joins itself (say, a session check and a cache read). In
//! native tests any type that implements [`Redis`] will do. The queue
//! protocol and the key schema come from `redspin-core`, so what a
//! component enqueues is what the worker runs.
//!
//! ## Layout
//! - [`redis`]: the [`Redis`] trait (one command in, one reply out) and
//!   [`run`], which executes a `redspin-core` operation (scripts by
//!   `EVALSHA`, falling back to `EVAL`).
//! - `sdk5`, `sdk6` (wasm32, by feature): `SpinRedis`, the spin-sdk
//!   backends; `sdk`: what they share.
//! - [`entry`]: how a cache entry is stored, TTL jitter and the early
//!   refresh decision (pure logic).
//! - [`cache`]: [`Cache::get_or_compute`] and invalidation.
//! - [`page`]: whole responses in the cache, strong ETags, `If-None-Match`.
//! - [`session`]: [`SessionId`], [`SessionStore`] and the cookie.
//! - [`tasks`]: enqueue now or later, read a job's status.
//! - [`throttle`]: attempt limits in fixed windows (login failures,
//!   registrations), taken atomically across several counters.
//!
//! ## A Spin 4 component
//! A cache-aside read in a spin-sdk 6 component (`examples/spin4`, built
//! in CI):
//! ```ignore
//! use std::time::Duration;
//!
//! use redspin_edge::{Cache, CachePolicy, SpinRedis};
//! use spin_sdk::http::{IntoResponse, Request};
//! use spin_sdk::{http_service, variables};
//!
//! /// `GET /greet/<name>`: the greeting from Redis, computed on a miss and
//! /// kept five minutes (`x-cache: hit` or `miss`).
//! #[http_service]
//! async fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
//!     let redis = SpinRedis::open(&variables::get("redis_url").await?).await?;
//!     let cache = Cache::new(&redis, Default::default());
//!     let policy = CachePolicy::new(Duration::from_secs(300)).tag("greetings");
//!     let name: String = req
//!         .uri()
//!         .path()
//!         .rsplit('/')
//!         .next()
//!         .unwrap_or("")
//!         .chars()
//!         .take(64)
//!         .collect();
//!     let greeting = cache
//!         .get_or_compute(&format!("greeting:{name}"), &policy, || async {
//!             anyhow::Ok(format!("Hello, {name}!"))
//!         })
//!         .await?;
//!     let response = http::Response::builder().header("x-cache", greeting.status.as_str());
//!     Ok(response.body(greeting.value)?)
//! }
//! ```
//!
//! ## More
//! ```no_run
//! # use redspin_edge::{Cache, CachePolicy, Redis};
//! # use std::time::Duration;
//! # async fn load_user_from_db(id: i64) -> anyhow::Result<Option<String>> { Ok(None) }
//! # async fn example(redis: &impl Redis) -> anyhow::Result<()> {
//! let cache = Cache::new(redis, redspin_core::KeySchema::default());
//! let policy = CachePolicy::new(Duration::from_secs(300)).tag("users");
//! let user = cache
//!     .get_or_compute_opt("user:1", &policy, Duration::from_secs(30), || load_user_from_db(1))
//!     .await?;
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
//! # async fn example(redis: &impl Redis, if_none_match: Option<&str>) -> anyhow::Result<()> {
//! let cache = Cache::new(redis, redspin_core::KeySchema::default());
//! let policy = CachePolicy::new(Duration::from_secs(600)).tag("pages");
//! let page = cache
//!     .get_or_compute("page:/posts/hello", &policy, || async {
//!         anyhow::Ok(CachedPage::new(200, "text/html; charset=utf-8", render("hello")?))
//!     })
//!     .await?;
//! if page.value.not_modified(if_none_match) {
//!     // answer 304 with `ETag: page.value.etag`
//! }
//! // After an edit:
//! cache.invalidate_tag("pages").await?;
//! # Ok(()) }
//! ```
//!
//! Sessions (the id goes in the cookie, never in a log) and a job for the
//! worker, due in a minute:
//! ```no_run
//! # use redspin_edge::{Redis, SessionConfig, SessionCookie, SessionId, SessionStore, Tasks};
//! # use redspin_core::{KeySchema, NewJob};
//! # async fn example(redis: &impl Redis, cookie: &str) -> anyhow::Result<()> {
//! let store = SessionStore::new(redis, KeySchema::default(), SessionConfig::default());
//! let (id, session) = store.create(42).await?;
//! let set_cookie = SessionCookie { secure: true }.set(&id, store.config().idle);
//! // Later, from the request's cookie: shape-checked before Redis is asked,
//! // and each load slides the idle expiry.
//! if let Some(id) = SessionId::parse(cookie) {
//!     if let Some(session) = store.load(&id).await? {
//!         println!("user {}", session.user_id);
//!     }
//! }
//! let tasks = Tasks::new(redis, &KeySchema::default(), "default")?;
//! let job = NewJob::new("webhook", serde_json::json!({"url": "https://example.com/hook"}))
//!     .delay_ms(60_000);
//! let queued = tasks.enqueue(job).await?;
//! println!("job {} is {:?}", queued.id, queued.state);
//! # let _ = (session, set_cookie);
//! # Ok(()) }
//! ```

#[cfg(all(target_arch = "wasm32", feature = "spin-sdk-5", feature = "spin-sdk-6"))]
compile_error!(
    "redspin-edge: the features spin-sdk-5 and spin-sdk-6 are mutually exclusive \
     (for spin-sdk 6 use default-features = false, features = [\"spin-sdk-6\"])"
);

pub mod cache;
pub mod entry;
pub mod error;
pub mod page;
pub mod redis;
mod scripts;
#[cfg(all(
    target_arch = "wasm32",
    any(feature = "spin-sdk-5", feature = "spin-sdk-6")
))]
mod sdk;
#[cfg(all(target_arch = "wasm32", feature = "spin-sdk-5"))]
pub mod sdk5;
#[cfg(all(
    target_arch = "wasm32",
    feature = "spin-sdk-6",
    not(feature = "spin-sdk-5")
))]
pub mod sdk6;
pub mod session;
pub mod tasks;
pub mod throttle;
mod util;

pub use cache::{Cache, CachePolicy, CacheStatus, Cached};
pub use error::EdgeError;
pub use page::{if_none_match, CachedPage};
pub use redis::{run, Redis};
#[cfg(all(target_arch = "wasm32", feature = "spin-sdk-5"))]
pub use sdk5::SpinRedis;
#[cfg(all(
    target_arch = "wasm32",
    feature = "spin-sdk-6",
    not(feature = "spin-sdk-5")
))]
pub use sdk6::SpinRedis;
pub use session::{Session, SessionConfig, SessionCookie, SessionId, SessionStore};
pub use tasks::{Enqueued, Tasks};
pub use throttle::{Counter, Decision, Throttle};
pub use util::now_ms;

#[cfg(test)]
mod tests {
    /// The Spin 4 example above is `examples/spin4/src/component.rs`, line
    /// for line (that file is built in CI).
    #[test]
    fn the_spin4_example_is_the_one_built() {
        let docs: String = include_str!("lib.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```ignore"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| {
                format!(
                    "{}\n",
                    l.strip_prefix("//! ")
                        .unwrap_or(l.trim_start_matches("//!"))
                )
            })
            .collect();
        let example = include_str!("../../../examples/spin4/src/component.rs");
        assert_eq!(docs, example);
        let guide = include_str!("../../../docs/edge.md");
        assert!(
            guide.contains(&format!("```rust\n{example}```")),
            "docs/edge.md shows it too"
        );
    }
}
