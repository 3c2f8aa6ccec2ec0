//! The built-in `cache.invalidate` handler: keys and tag sets, no `KEYS`.

use crate::common::*;
use redis::AsyncCommands;
use redspin_core::NewJob;
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

#[tokio::test]
async fn deletes_keys_and_every_entry_of_the_tags() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let s = client.schema().clone();
    let mut conn = client.connection().raw();
    // 1200 entries tagged "users" (more than one ZSCAN page), one tagged
    // "posts", one plain key, and one bystander.
    for i in 0..1200 {
        let key = s.cache(&format!("user:{i}"));
        let _: () = conn.set(&key, "v").await.unwrap();
        let _: i64 = conn.zadd(s.tag("users"), &key, i64::MAX).await.unwrap();
    }
    let _: () = conn.set(s.cache("post:1"), "v").await.unwrap();
    let _: i64 = conn
        .zadd(s.tag("posts"), s.cache("post:1"), i64::MAX)
        .await
        .unwrap();
    let _: () = conn.set(s.cache("page:/"), "v").await.unwrap();
    let _: () = conn.set(s.cache("keep"), "0").await.unwrap();

    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    client
        .enqueue(
            "default",
            NewJob::new(
                "cache.invalidate",
                json!({"keys": ["page:/"], "tags": ["users", "posts", "empty"]}),
            ),
        )
        .await
        .unwrap();
    let empty = NewJob::new("cache.invalidate", json!({}));
    assert!(client.enqueue("default", empty.clone()).await.is_err());
    enqueue_unchecked(&client, "default", empty).await;
    wait_done(&client, "default", 1).await;
    wait_dead(&client, "default", 1).await;
    w.stop().await;

    let mut cursor = 0u64;
    let mut left = Vec::new();
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{}:cache:*", s.prefix()))
            .query_async(&mut conn)
            .await
            .unwrap();
        left.extend(keys);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert_eq!(left, vec![s.cache("keep")]);
    let users: i64 = conn.scard(s.tag("users")).await.unwrap();
    assert_eq!(users, 0, "tag members are removed with their entries");
}

/// The cache on a Redis of its own (the app's `cache_redis_url`), which
/// may evict: `run --cache-redis-url` deletes there and leaves the queue's
/// Redis alone; a cache Redis it cannot reach stops it at start, named.
#[tokio::test]
async fn the_cache_may_have_a_redis_of_its_own() {
    let (redis, cache) = (TestRedis::start(), TestRedis::start());
    let s = redspin_core::KeySchema::new(redis.prefix.clone()).unwrap();
    let mut on_cache = redis::Client::open(cache.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("allkeys-lru")
        .query_async(&mut on_cache)
        .await
        .unwrap();
    let mut on_main = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    for conn in [&mut on_cache, &mut on_main] {
        let _: () = conn.set(s.cache("user:1"), "v").await.unwrap();
        let _: () = conn.set(s.cache("page:/"), "v").await.unwrap();
        let _: i64 = conn
            .zadd(s.tag("pages"), s.cache("page:/"), i64::MAX)
            .await
            .unwrap();
    }
    let worker = |extra: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_redspin-worker"));
        c.args(["--redis-url", redis.url(), "--prefix", &redis.prefix, "run"])
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    };
    let out = worker(&["--cache-redis-url", "redis://127.0.0.1:1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "ran without its cache Redis");
    assert!(err.contains("--cache-redis-url"), "{err}");

    let client = client(&redis).await;
    let job = NewJob::new(
        "cache.invalidate",
        json!({"keys": ["user:1"], "tags": ["pages"]}),
    );
    client.enqueue("default", job).await.unwrap();
    let mut running = worker(&["--cache-redis-url", cache.url()]).spawn().unwrap();
    wait_done(&client, "default", 1).await;
    let _ = running.kill();
    let _ = running.wait();
    let gone: Vec<Option<String>> = on_cache
        .mget(&[s.cache("user:1"), s.cache("page:/")])
        .await
        .unwrap();
    assert_eq!(gone, vec![None, None], "deleted on the cache's Redis");
    let kept: Vec<Option<String>> = on_main
        .mget(&[s.cache("user:1"), s.cache("page:/")])
        .await
        .unwrap();
    assert_eq!(
        kept,
        vec![Some("v".into()), Some("v".into())],
        "the queue's Redis is not the cache's"
    );
}
