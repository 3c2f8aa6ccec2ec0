//! Cache-aside, written once: [`Cache::get_or_compute`] reads an entry,
//! computes and stores it on a miss, and protects hot keys from stampedes
//! (see [`crate::entry`] for the rules).
//!
//! Redis trouble never fails a read: the value is computed from the source
//! of truth and reported as [`CacheStatus::Bypass`]. Entries may carry tags;
//! [`Cache::invalidate_tag`] deletes every entry of a tag (by `SSCAN` over
//! the tag index, never `KEYS`). A tag index is a sorted set scored by
//! each entry's expiry and pruned on every add, so it never outgrows the
//! entries still alive.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::future::{join_all, try_join_all};

use redspin_core::{Command, KeySchema, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::entry::{self, Freshness};
use crate::redis::optional_bytes;
use crate::util::{now_ms, random_unit};
use crate::{scripts, EdgeError, Redis};

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache (possibly stale while another request refreshes it).
    Hit,
    /// Computed by this request and stored.
    Miss,
    /// Computed by this request; the cache was unavailable.
    Bypass,
}

impl CacheStatus {
    /// The value of an `x-cache` response header.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Bypass => "bypass",
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<T> {
    pub value: T,
    pub status: CacheStatus,
}

/// How long entries live and how they are grouped.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    /// Time to live; each write takes up to `jitter` of it off.
    pub ttl: Duration,
    /// Fraction of the TTL removed at random (default 0.1).
    pub jitter: f64,
    /// How long past its TTL an entry may be served while one request
    /// refreshes it (default: the TTL, at most 60 s).
    pub stale: Duration,
    /// XFetch's beta (default 1.0): larger refreshes earlier.
    pub beta: f64,
    /// Tags to file the entry under, for [`Cache::invalidate_tag`].
    pub tags: Vec<String>,
}

impl CachePolicy {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            jitter: 0.1,
            stale: ttl.min(Duration::from_secs(60)),
            beta: 1.0,
            tags: Vec::new(),
        }
    }
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }
    pub fn stale(mut self, stale: Duration) -> Self {
        self.stale = stale;
        self
    }
}

/// Cache-aside over one Redis connection.
pub struct Cache<R> {
    redis: R,
    keys: KeySchema,
}

/// How many members of a tag set one `SSCAN` step reads.
const SCAN_COUNT: i64 = 500;

impl<R: Redis> Cache<R> {
    pub fn new(redis: R, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// The cached value of `key`, or `compute()`'s, stored for next time.
    pub async fn get_or_compute<T, E, F>(
        &self,
        key: &str,
        policy: &CachePolicy,
        compute: impl FnOnce() -> F,
    ) -> Result<Cached<T>, E>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<T, E>>,
    {
        self.get_or_compute_with(key, policy, |_| policy.ttl, compute)
            .await
    }

    /// Like [`Self::get_or_compute`] for values that may not exist: absence
    /// is cached too, for `absent_ttl`, so unknown keys do not reach the
    /// source of truth on every request.
    pub async fn get_or_compute_opt<T, E, F>(
        &self,
        key: &str,
        policy: &CachePolicy,
        absent_ttl: Duration,
        compute: impl FnOnce() -> F,
    ) -> Result<Cached<Option<T>>, E>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<Option<T>, E>>,
    {
        let ttl_of = |v: &Option<T>| if v.is_some() { policy.ttl } else { absent_ttl };
        self.get_or_compute_with(key, policy, ttl_of, compute).await
    }

    /// Like [`Self::get_or_compute`] with the TTL chosen per value (say, a
    /// short one for a "not found" page).
    pub async fn get_or_compute_with<T, E, F>(
        &self,
        key: &str,
        policy: &CachePolicy,
        ttl_of: impl Fn(&T) -> Duration,
        compute: impl FnOnce() -> F,
    ) -> Result<Cached<T>, E>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<T, E>>,
    {
        let found = match self.get_raw(key).await {
            Ok(found) => found,
            Err(e) => {
                // The key may name a person (user:7): only the error is told.
                eprintln!("cache read failed, bypassing the cache: {e}");
                let value = compute().await?;
                return Ok(cached(value, CacheStatus::Bypass));
            }
        };
        let stale = match found.as_deref().and_then(entry::decode::<T>) {
            None => None,
            Some(e) => {
                let u = random_unit();
                match entry::freshness(now_ms(), e.expires_ms, e.compute_ms, policy.beta, u) {
                    Freshness::Fresh => return Ok(cached(e.value, CacheStatus::Hit)),
                    Freshness::RefreshEarly | Freshness::Stale => {
                        let lock_ms = (e.compute_ms * 4).clamp(1_000, 30_000);
                        if !self.try_lock(key, lock_ms).await {
                            return Ok(cached(e.value, CacheStatus::Hit));
                        }
                        Some(e.value)
                    }
                }
            }
        };
        let started = Instant::now();
        let value = match (compute().await, stale) {
            (Ok(v), _) => v,
            // The refresh failed: the stale value is better than an error.
            (Err(_), Some(old)) => return Ok(cached(old, CacheStatus::Hit)),
            (Err(e), None) => return Err(e),
        };
        let compute_ms = started.elapsed().as_millis() as u64;
        let ttl = ttl_of(&value);
        let status = match self.put(key, &value, ttl, compute_ms, policy).await {
            Ok(()) => CacheStatus::Miss,
            Err(e) => {
                eprintln!("cache write failed, served uncached: {e}");
                CacheStatus::Bypass
            }
        };
        Ok(cached(value, status))
    }

    /// Stores `value` under `key` for `ttl` (jittered), filed under the
    /// policy's tags.
    pub async fn set<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        policy: &CachePolicy,
    ) -> Result<(), EdgeError> {
        self.put(key, value, policy.ttl, 0, policy).await
    }

    async fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
        compute_ms: u64,
        policy: &CachePolicy,
    ) -> Result<(), EdgeError> {
        let full = self.keys.cache(key);
        let ttl = entry::jittered(ttl, policy.jitter, random_unit()).max(Duration::from_millis(1));
        let live = ttl + policy.stale.min(ttl);
        let bytes = entry::encode(value, now_ms() + ttl.as_millis() as u64, compute_ms)?;
        // Tags first (all at once): an entry is never in Redis without
        // its tags.
        let now = now_ms();
        try_join_all(policy.tags.iter().map(|tag| {
            crate::redis::script(
                &self.redis,
                &scripts::TAG_ADD,
                vec![self.keys.tag(tag)],
                vec![
                    full.clone().into(),
                    (now + live.as_millis() as u64).into(),
                    now.into(),
                ],
            )
        }))
        .await?;
        let cmd = Command::new("SET")
            .arg(full)
            .arg(bytes)
            .arg("PX")
            .arg(live.as_millis() as u64);
        self.redis.execute(&cmd).await.map(drop)
    }

    /// Deletes entries by key. Returns how many existed.
    pub async fn invalidate(&self, keys: &[&str]) -> Result<u64, EdgeError> {
        let dels = keys.iter().map(|key| self.keys.cache(key));
        self.delete_each(dels.map(redspin_core::Arg::from)).await
    }

    /// One `DEL` per key (keys may live in different cluster slots), all
    /// at once; how many existed.
    async fn delete_each(
        &self,
        keys: impl Iterator<Item = redspin_core::Arg>,
    ) -> Result<u64, EdgeError> {
        let cmds: Vec<Command> = keys.map(|k| Command::new("DEL").arg(k)).collect();
        let mut n = 0;
        for reply in join_all(cmds.iter().map(|c| self.redis.execute(c))).await {
            n += reply?.as_i64("del")? as u64;
        }
        Ok(n)
    }

    /// Deletes every entry filed under `tag`, then the tag's members. An
    /// entry tagged while this runs stays in the index (it is removed
    /// member by member, never by deleting the index).
    pub async fn invalidate_tag(&self, tag: &str) -> Result<u64, EdgeError> {
        let tag_key = self.keys.tag(tag);
        let mut cursor = "0".to_owned();
        let mut deleted = 0;
        loop {
            let cmd = Command::new("ZSCAN")
                .arg(&tag_key)
                .arg(&cursor)
                .arg("COUNT")
                .arg(SCAN_COUNT);
            let mut items = self.redis.execute(&cmd).await?.into_items().into_iter();
            cursor = match items.next() {
                Some(c) => c.into_string("zscan")?,
                None => return Ok(deleted),
            };
            // Member, score, member, score... (Spin flattens the pairs).
            let members: Vec<Vec<u8>> = items
                .step_by(2)
                .map(|m| m.into_bytes("zscan"))
                .collect::<Result<_, _>>()?;
            let entries = members.iter().cloned().map(redspin_core::Arg::Bytes);
            deleted += self.delete_each(entries).await?;
            if !members.is_empty() {
                let mut zrem = Command::new("ZREM").arg(&tag_key);
                for m in members {
                    zrem = zrem.arg(redspin_core::Arg::Bytes(m));
                }
                self.redis.execute(&zrem).await?;
            }
            if cursor == "0" {
                return Ok(deleted);
            }
        }
    }

    async fn get_raw(&self, key: &str) -> Result<Option<Vec<u8>>, EdgeError> {
        let cmd = Command::new("GET").arg(self.keys.cache(key));
        optional_bytes(self.redis.execute(&cmd).await?, "get")
    }

    /// `SET lock 1 NX PX ms`: true for the one request that gets it. A
    /// request that cannot ask (Redis trouble) does not refresh.
    async fn try_lock(&self, key: &str, ms: u64) -> bool {
        let cmd = Command::new("SET")
            .arg(self.keys.cache_lock(key))
            .arg("1")
            .arg("NX")
            .arg("PX")
            .arg(ms);
        matches!(self.redis.execute(&cmd).await, Ok(Value::Status(_)))
    }
}

fn cached<T>(value: T, status: CacheStatus) -> Cached<T> {
    Cached { value, status }
}
