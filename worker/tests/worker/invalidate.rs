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
