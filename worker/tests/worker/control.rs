//! Pause and global limits, with real `redspin-worker` processes: the
//! switches live in Redis and hold across every worker.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use redspin_core::NewJob;
use redspin_testsupport::TestRedis;
use serde_json::json;

fn worker(redis: &TestRedis, slots: &str) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args(["run", "--webhook-allow-private", "--concurrency", slots])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker binary starts"),
    )
}

fn stats(redis: &TestRedis) -> serde_json::Value {
    let (ok, out, err) = cli(redis, &["stats", "--queue", "default", "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).unwrap()[0].clone()
}

async fn webhooks(redis: &TestRedis, url: &str, n: usize) {
    let client = client(redis).await;
    for i in 0..n {
        let job = NewJob::new("webhook", json!({"url": url, "body": {"n": i}}));
        client.enqueue("default", job).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_queue_starts_nothing_until_resumed() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let (ok, _, err) = cli(&redis, &["queue", "pause", "default"]);
    assert!(ok, "{err}");
    assert_eq!(stats(&redis)["paused"], true);
    webhooks(&redis, &receiver.url, 5).await;
    let client = client(&redis).await;
    let delayed = NewJob::new("webhook", json!({"url": receiver.url})).delay_ms(300);
    let (late, _) = client.enqueue("default", delayed).await.unwrap();
    let _w = worker(&redis, "8");

    // The worker runs (its claims register it) and its promoter has made
    // the delayed job ready, yet nothing started.
    eventually(WAIT, "the delayed job to become ready", || async {
        let s = client.status("default", &late.id).await.unwrap().unwrap();
        let st = client.stats("default").await.unwrap();
        (s.state == redspin_core::JobState::Queued && st.workers == 1).then_some(())
    })
    .await;
    assert_eq!(receiver.count(), 0, "a job started on a paused queue");
    assert_eq!(client.stats("default").await.unwrap().ready, 6);

    let (ok, _, err) = cli(&redis, &["queue", "resume", "default"]);
    assert!(ok, "{err}");
    wait_done(&client, "default", 6).await;
    assert_eq!(receiver.count(), 6);
    assert_eq!(stats(&redis)["paused"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_holds_across_two_workers() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let (ok, out, err) = cli(
        &redis,
        &[
            "queue", "limit", "default", "--rate", "10", "--per-ms", "1000",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("\"rate\": 10"), "{out}");
    let limits = &stats(&redis)["limits"];
    assert_eq!(
        (limits["rate"].as_u64(), limits["per_ms"].as_u64()),
        (Some(10), Some(1000))
    );
    webhooks(&redis, &receiver.url, 35).await;
    let (_a, _b) = (worker(&redis, "64"), worker(&redis, "64"));
    wait_done(&client(&redis).await, "default", 35).await;

    let mut at: Vec<u64> = receiver.received().iter().map(|r| r.at_ms).collect();
    at.sort_unstable();
    // Any 11 consecutive starts span a full window (less the time from
    // claim to arrival, which varies by a few ms).
    for w in at.windows(11) {
        assert!(
            w[10] - w[0] >= 900,
            "11 starts within {} ms: {at:?}",
            w[10] - w[0]
        );
    }
    assert!(
        at[34] - at[0] >= 2700,
        "35 jobs at 10/s took {} ms",
        at[34] - at[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrency_limit_holds_across_two_workers() {
    const HOLD: u64 = 300;
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::from_millis(HOLD))).await;
    let (ok, _, err) = cli(&redis, &["queue", "limit", "default", "--concurrency", "2"]);
    assert!(ok, "{err}");
    webhooks(&redis, &receiver.url, 12).await;
    let (_a, _b) = (worker(&redis, "64"), worker(&redis, "64"));
    wait_done(&client(&redis).await, "default", 12).await;

    let at: Vec<u64> = receiver.received().iter().map(|r| r.at_ms).collect();
    // Each request is answered HOLD ms after it arrived: how many were
    // being held at once, at worst.
    let most = at
        .iter()
        .map(|&t| at.iter().filter(|&&o| o <= t && t < o + HOLD - 10).count())
        .max()
        .unwrap();
    assert_eq!(most, 2, "{at:?}");

    let (ok, _, _) = cli(&redis, &["queue", "limit", "default", "--clear"]);
    assert!(ok);
    assert_eq!(
        stats(&redis)["limits"]["concurrency"],
        serde_json::Value::Null
    );
    let (ok, _, err) = cli(&redis, &["queue", "limit", "default"]);
    assert!(
        !ok && err.contains("--rate, --concurrency or --clear"),
        "{err}"
    );
}
