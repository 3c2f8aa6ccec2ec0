//! On an asynchronous backend (spin-sdk 6's kind) the library's
//! independent commands are in flight together, and the results are the
//! same as one at a time.

use std::time::Duration;

use futures::future::join;
use redspin_core::{Command, KeySchema};
use redspin_edge::{Cache, CachePolicy, CacheStatus, Redis, SessionConfig, SessionStore};
use redspin_testsupport::TestRedis;

use crate::common::AsyncRedisRs;

fn count(v: redspin_core::Value) -> i64 {
    v.as_i64("count").unwrap()
}

#[tokio::test]
async fn a_pages_tag_writes_go_out_together() {
    let server = TestRedis::start();
    let r = AsyncRedisRs::open(server.url()).await;
    let cache = Cache::new(&r, KeySchema::default());
    let policy = CachePolicy::new(Duration::from_secs(600))
        .tag("pages")
        .tag("posts")
        .tag("home");
    let got = cache
        .get_or_compute("page:/", &policy, || async { Ok::<_, ()>(1) })
        .await
        .unwrap();
    assert_eq!((got.value, got.status), (1, CacheStatus::Miss));
    assert_eq!(r.most_in_flight.get(), 3, "the three tag writes at once");
    for tag in ["pages", "posts", "home"] {
        let card = r
            .execute(&Command::new("ZCARD").arg(format!("redspin:tags:{tag}")))
            .await;
        assert_eq!(count(card.unwrap()), 1, "{tag}");
    }
    // Tag invalidation deletes a scan page's entries at once, every one.
    for i in 0..40 {
        cache.set(&format!("p{i}"), &i, &policy).await.unwrap();
    }
    r.most_in_flight.set(0);
    assert_eq!(cache.invalidate_tag("posts").await.unwrap(), 41);
    assert!(r.most_in_flight.get() > 1, "{}", r.most_in_flight.get());
    let left = r
        .execute(&Command::new("EXISTS").arg("redspin:cache:p7"))
        .await;
    assert_eq!(count(left.unwrap()), 0);
}

#[tokio::test]
async fn a_session_check_and_a_cache_read_run_at_once() {
    let server = TestRedis::start();
    let r = AsyncRedisRs::open(server.url()).await;
    let store = SessionStore::new(&r, KeySchema::default(), SessionConfig::default());
    let (id, _) = store.create(7).await.unwrap();
    let cache = Cache::new(&r, KeySchema::default());
    let policy = CachePolicy::new(Duration::from_secs(300)).tag("users");
    cache.set("user:7", &"Ada", &policy).await.unwrap();
    r.most_in_flight.set(0);
    let (session, user) = join(
        store.load(&id),
        cache.get_or_compute("user:7", &policy, || async { Err::<String, _>("miss") }),
    )
    .await;
    assert_eq!(session.unwrap().map(|s| s.user_id), Some(7));
    let user = user.unwrap();
    assert_eq!(
        (user.value.as_str(), user.status),
        ("Ada", CacheStatus::Hit)
    );
    assert_eq!(r.most_in_flight.get(), 2);
}
