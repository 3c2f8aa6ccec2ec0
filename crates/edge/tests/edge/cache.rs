//! Cache-aside against a real Redis (a private redis-server per test).

use std::cell::Cell;
use std::time::Duration;

use crate::common::{RedisRs, Wait};
use redspin_core::{Command, KeySchema};
use redspin_edge::{entry, now_ms, Cache, CachePolicy, CacheStatus};
use redspin_testsupport::TestRedis;

fn policy() -> CachePolicy {
    CachePolicy::new(Duration::from_secs(300)).jitter(0.0)
}

#[test]
fn miss_then_hit_and_falsy_values_are_hits() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let cache = Cache::new(&r, KeySchema::default());
    let calls = Cell::new(0);
    let compute = |v: serde_json::Value| {
        calls.set(calls.get() + 1);
        Ok::<_, ()>(v)
    };
    for (i, v) in [
        serde_json::json!(0),
        serde_json::json!(false),
        serde_json::json!(""),
        serde_json::json!(null),
        serde_json::json!({"a": 1}),
    ]
    .into_iter()
    .enumerate()
    {
        let key = format!("k{i}");
        let first = cache
            .get_or_compute(&key, &policy(), || std::future::ready(compute(v.clone())))
            .wait()
            .unwrap();
        let second = cache
            .get_or_compute(&key, &policy(), || {
                std::future::ready(compute(serde_json::json!("other")))
            })
            .wait()
            .unwrap();
        assert_eq!((first.status, &first.value), (CacheStatus::Miss, &v));
        assert_eq!(
            (second.status, &second.value),
            (CacheStatus::Hit, &v),
            "{v}"
        );
    }
    assert_eq!(calls.get(), 5);
    // Stored for TTL + stale window (60 s).
    let ttl = r.pttl("redspin:cache:k0");
    assert!((359_000..=360_000).contains(&ttl), "{ttl}");
}

#[test]
fn absence_is_cached_for_its_own_ttl_and_jitter_shortens() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let cache = Cache::new(&r, KeySchema::default());
    let p = policy();
    let got = cache
        .get_or_compute_opt("none", &p, Duration::from_secs(30), || {
            std::future::ready(Ok::<Option<i32>, ()>(None))
        })
        .wait()
        .unwrap();
    assert_eq!((got.value, got.status), (None, CacheStatus::Miss));
    let again = cache
        .get_or_compute_opt("none", &p, Duration::from_secs(30), || {
            std::future::ready(Ok::<_, ()>(Some(1)))
        })
        .wait()
        .unwrap();
    assert_eq!((again.value, again.status), (None, CacheStatus::Hit));
    let ttl = r.pttl("redspin:cache:none");
    assert!((30_000..=60_000).contains(&ttl), "{ttl}");
    let jittered = CachePolicy::new(Duration::from_secs(300)).stale(Duration::ZERO);
    let mut ttls = std::collections::BTreeSet::new();
    for i in 0..20 {
        cache.set(&format!("j{i}"), &i, &jittered).wait().unwrap();
        let t = r.pttl(&format!("redspin:cache:j{i}"));
        assert!((270_000..=300_000).contains(&t), "{t}");
        ttls.insert(t / 1000);
    }
    assert!(
        ttls.len() > 5,
        "entries written together expire apart: {ttls:?}"
    );
}

#[test]
fn corrupt_entries_are_misses_and_get_overwritten() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    r.execute(&Command::new("SET").arg("redspin:cache:c").arg("not json"))
        .unwrap();
    let cache = Cache::new(&r, KeySchema::default());
    let got = cache
        .get_or_compute("c", &policy(), || std::future::ready(Ok::<_, ()>(7)))
        .wait()
        .unwrap();
    assert_eq!((got.value, got.status), (7, CacheStatus::Miss));
    assert_eq!(
        cache
            .get_or_compute("c", &policy(), || std::future::ready(Ok::<_, ()>(8)))
            .wait()
            .unwrap()
            .value,
        7
    );
}

#[test]
fn a_stale_entry_is_refreshed_by_the_lock_holder_only() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let cache = Cache::new(&r, KeySchema::default());
    let stale = entry::encode(&"old", now_ms() - 1, 5).unwrap();
    r.execute(
        &Command::new("SET")
            .arg("redspin:cache:hot")
            .arg(stale)
            .arg("PX")
            .arg(60_000i64),
    )
    .unwrap();
    // Another request holds the refresh lock: this one serves the stale value.
    r.execute(
        &Command::new("SET")
            .arg("redspin:lock:hot")
            .arg("1")
            .arg("PX")
            .arg(60_000i64),
    )
    .unwrap();
    let served = cache
        .get_or_compute(
            "hot",
            &policy(),
            || -> std::future::Ready<Result<String, ()>> { panic!("must not recompute") },
        )
        .wait()
        .unwrap();
    assert_eq!(
        (served.value.as_str(), served.status),
        ("old", CacheStatus::Hit)
    );
    // The lock is free: this request wins it and refreshes.
    r.execute(&Command::new("DEL").arg("redspin:lock:hot"))
        .unwrap();
    let fresh = cache
        .get_or_compute("hot", &policy(), || {
            std::future::ready(Ok::<_, ()>("new".to_owned()))
        })
        .wait()
        .unwrap();
    assert_eq!(
        (fresh.value.as_str(), fresh.status),
        ("new", CacheStatus::Miss)
    );
    // A failed refresh serves the stale value rather than an error.
    let stale = entry::encode(&"old", now_ms() - 1, 5).unwrap();
    r.execute(
        &Command::new("SET")
            .arg("redspin:cache:hot2")
            .arg(stale)
            .arg("PX")
            .arg(60_000i64),
    )
    .unwrap();
    let kept = cache
        .get_or_compute("hot2", &policy(), || {
            std::future::ready(Err::<String, _>("db down"))
        })
        .wait()
        .unwrap();
    assert_eq!(kept.value, "old");
}

#[test]
fn invalidation_by_key_and_by_tag() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let cache = Cache::new(&r, KeySchema::default());
    let tagged = policy().tag("users");
    for i in 0..1200 {
        cache.set(&format!("u{i}"), &i, &tagged).wait().unwrap();
    }
    cache.set("other", &1, &policy()).wait().unwrap();
    assert_eq!(cache.invalidate(&["other", "missing"]).wait().unwrap(), 1);
    assert_eq!(cache.invalidate_tag("users").wait().unwrap(), 1200);
    let exists = r
        .execute(
            &Command::new("EXISTS")
                .arg("redspin:cache:u5")
                .arg("redspin:tags:users"),
        )
        .unwrap();
    assert_eq!(exists.as_i64("exists").unwrap(), 0);
    let again = cache
        .get_or_compute("u5", &tagged, || std::future::ready(Ok::<_, ()>(55)))
        .wait()
        .unwrap();
    assert_eq!((again.value, again.status), (55, CacheStatus::Miss));
}

#[test]
fn redis_down_means_bypass_not_failure() {
    let mut server = TestRedis::start();
    let r = RedisRs::open(server.url());
    server.stop();
    let cache = Cache::new(&r, KeySchema::default());
    let got = cache
        .get_or_compute("k", &policy(), || std::future::ready(Ok::<_, ()>(1)))
        .wait()
        .unwrap();
    assert_eq!((got.value, got.status), (1, CacheStatus::Bypass));
}

/// Anonymous traffic (10,000 unknown slugs, each cached briefly under a
/// tag) leaves nothing behind once its TTL has passed, and a tag index is
/// pruned of expired members on the next add.
#[test]
fn tag_indexes_never_outgrow_their_live_entries() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let cache = Cache::new(&r, KeySchema::default());
    let brief = CachePolicy::new(Duration::from_millis(300))
        .jitter(0.0)
        .stale(Duration::ZERO)
        .tag("pages");
    for i in 0..10_000 {
        cache
            .set(&format!("page:/posts/nope-{i}"), &i, &brief)
            .wait()
            .unwrap();
    }
    let zcard = |r: &RedisRs| {
        r.execute(&Command::new("ZCARD").arg("redspin:tags:pages"))
            .unwrap()
            .as_i64("zcard")
            .unwrap()
    };
    // Right after an add, the index holds no member whose entry expired.
    let expired = r
        .execute(
            &Command::new("ZCOUNT")
                .arg("redspin:tags:pages")
                .arg("-inf")
                .arg(now_ms().saturating_sub(50)),
        )
        .unwrap()
        .as_i64("zcount")
        .unwrap();
    assert_eq!(expired, 0);
    assert!(zcard(&r) > 0);
    let dbsize = |r: &RedisRs| {
        r.execute(&Command::new("DBSIZE"))
            .unwrap()
            .as_i64("dbsize")
            .unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while dbsize(&r) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "keys left: {}",
            dbsize(&r)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Pruning on add: expired members go as soon as a new one arrives.
    for i in 0..100 {
        cache
            .set(&format!("page:/posts/brief-{i}"), &i, &brief)
            .wait()
            .unwrap();
    }
    let lasting = CachePolicy::new(Duration::from_secs(600)).tag("pages");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while r.pttl("redspin:cache:page:/posts/brief-99") > 0 {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    cache.set("page:/posts/real", &1, &lasting).wait().unwrap();
    assert_eq!(zcard(&r), 1);
    assert!(
        r.pttl("redspin:tags:pages") > 590_000,
        "the index lives as long as its entry"
    );
}
