//! `cache.invalidate`: payload `{keys?: [...], tags?: [...]}`.
//!
//! Deletes the cache entries `keys` (names relative to the cache namespace,
//! `P:cache:KEY`) and every entry listed in the tag indexes `tags`
//! (`P:tags:T`, sorted sets whose members are full key names scored by
//! expiry). Tag members are read with `ZSCAN` (never `KEYS`), deleted in
//! chunks, then removed from the index one by one, so an entry tagged while
//! this runs is not lost from it.
//!
//! The cache lives on the worker's Redis unless it has one of its own
//! (`run --cache-redis-url`, the app's `cache_redis_url`):
//! [`Invalidate::on`] then deletes there.

use redis::AsyncCommands;
use redspin_core::jobs::CacheInvalidate;
use redspin_queue::Connection;

use crate::handler::{Handler, HandlerError, HandlerFuture, JobContext};

pub use redspin_core::jobs::invalidate::TYPE;
const CHUNK: usize = 500;

/// Deletes on the worker's Redis ([`Invalidate::default`]) or on the
/// cache's own ([`Invalidate::on`]).
#[derive(Clone, Default)]
pub struct Invalidate {
    cache: Option<Connection>,
}

impl Invalidate {
    /// Invalidates on `cache`, the cache's own Redis.
    pub fn on(cache: Connection) -> Self {
        Self { cache: Some(cache) }
    }
}

impl Handler for Invalidate {
    fn timeout(&self) -> std::time::Duration {
        Self::TIMEOUT
    }
    fn handle(&self, ctx: JobContext) -> HandlerFuture {
        let cache = self.cache.clone();
        Box::pin(async move {
            let payload = CacheInvalidate::parse(&ctx.job.payload)
                .map_err(|e| HandlerError::fail(format!("bad cache.invalidate {e}")))?;
            let mut conn = cache.as_ref().unwrap_or(&ctx.redis).raw();
            let keys: Vec<String> = payload.keys.iter().map(|k| ctx.schema.cache(k)).collect();
            for chunk in keys.chunks(CHUNK) {
                let _: i64 = conn.del(chunk).await.map_err(retry)?;
            }
            for tag in &payload.tags {
                let tag_key = ctx.schema.tag(tag);
                let mut cursor: u64 = 0;
                loop {
                    let (next, pairs): (u64, Vec<(Vec<u8>, f64)>) = redis::cmd("ZSCAN")
                        .arg(&tag_key)
                        .arg(cursor)
                        .arg("COUNT")
                        .arg(CHUNK)
                        .query_async(&mut conn)
                        .await
                        .map_err(retry)?;
                    let members: Vec<Vec<u8>> = pairs.into_iter().map(|(m, _)| m).collect();
                    if !members.is_empty() {
                        let _: i64 = conn.del(&members).await.map_err(retry)?;
                        let _: i64 = conn.zrem(&tag_key, &members).await.map_err(retry)?;
                    }
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            Ok(())
        })
    }
}

impl Invalidate {
    /// An attempt's default time limit: a large tag takes a while.
    pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
}

fn retry(e: redis::RedisError) -> HandlerError {
    HandlerError::retry(format!("cache Redis: {e}"))
}
