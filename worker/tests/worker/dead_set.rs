//! The dead set stays bounded (the newest `--dead-max-jobs`, none older than
//! `--dead-max-age-secs`, trimmed by the bury script itself), and retrying
//! or purging all of it works however large it is: retry a page at a time,
//! purge in one command.

use std::time::Duration;

use redis::AsyncCommands;
use redspin_core::ops::DeadLimit;
use redspin_core::{KeySchema, NewJob};
use redspin_queue::Selection;
use redspin_testsupport::{eventually, TestRedis};
use redspin_worker::Registry;
use serde_json::json;

use crate::common::*;

fn dead_key(redis: &TestRedis) -> String {
    KeySchema::new(&redis.prefix)
        .unwrap()
        .queue("default")
        .unwrap()
        .dead()
}

/// A dead envelope of a `noop` job, as the bury script stores one.
fn envelope(n: usize) -> String {
    let job = NewJob::new("noop", json!({ "n": n }))
        .into_job(uuid::Uuid::new_v4(), 1)
        .unwrap();
    job.to_json()
}

#[tokio::test]
async fn the_dead_set_keeps_the_newest_within_its_bounds() {
    let redis = TestRedis::start();
    let mut raw = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // A job that died three days ago, past the one-day bound below.
    let old = envelope(0);
    let three_days_ago = redspin_queue::now_ms() - 3 * 24 * 3600 * 1000;
    let _: () = raw
        .zadd(dead_key(&redis), &old, three_days_ago)
        .await
        .unwrap();

    let mut config = config(&redis);
    config.dead_limit = DeadLimit {
        max_jobs: 3,
        max_age_ms: 24 * 3600 * 1000,
    };
    let w = TestWorker::start(config, Registry::builtins(true));
    let client = client(&redis).await;
    for n in 0..5 {
        // No handler for this type: each dies at once.
        client
            .enqueue("default", NewJob::new("nobody", json!({ "n": n })))
            .await
            .unwrap();
    }
    let stats = eventually(Duration::from_secs(20), "five jobs buried", || async {
        let s = client.stats("default").await.unwrap();
        (s.buried == 5).then_some(s)
    })
    .await;
    w.stop().await;
    assert_eq!(stats.dead, 3, "the newest three are kept");
    let members: Vec<String> = raw.zrange(dead_key(&redis), 0, -1).await.unwrap();
    assert!(!members.contains(&old), "the three-day-old job is gone");
    assert!(members.iter().all(|m| m.contains("nobody")));
}

#[tokio::test]
async fn retry_all_goes_a_page_at_a_time_and_purge_all_empties_any_size() {
    let redis = TestRedis::start();
    let mut raw = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = dead_key(&redis);
    let died = redspin_queue::now_ms() - 1000;
    // 1 234 jobs, more than two pages, and one member that is no job.
    let members: Vec<(u64, String)> = (0..1234).map(|n| (died, envelope(n))).collect();
    let _: () = raw.zadd_multiple(&key, &members).await.unwrap();
    let _: () = raw.zadd(&key, "not a job", died).await.unwrap();

    let client = client(&redis).await;
    assert_eq!(
        client.dead_retry("default", &Selection::All).await.unwrap(),
        1234
    );
    let stats = client.stats("default").await.unwrap();
    assert_eq!(
        (stats.ready, stats.dead),
        (1234, 1),
        "the unreadable one stays"
    );

    for (score, m) in &members {
        let _: () = raw.zadd(&key, m, *score).await.unwrap();
    }
    assert_eq!(
        client.dead_purge("default", &Selection::All).await.unwrap(),
        1235
    );
    assert_eq!(client.stats("default").await.unwrap().dead, 0);
}
