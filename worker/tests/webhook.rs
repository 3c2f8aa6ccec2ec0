//! The built-in `webhook` handler against a local HTTP server.

mod common;

use std::time::Duration;

use common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

async fn run_one(
    redis: &TestRedis,
    payload: serde_json::Value,
    max_attempts: u32,
) -> redspin_worker::client::QueueClient {
    let client = client(redis).await;
    client
        .enqueue(
            "default",
            NewJob::new("webhook", payload).max_attempts(max_attempts),
        )
        .await
        .unwrap();
    client
}

/// Waits for the one job of the queue to reach the dead set; its status.
async fn dead_status(client: &redspin_worker::QueueClient) -> redspin_core::ops::JobStatus {
    let id = wait_dead(client, "default", 1).await.remove(0).job.id;
    client.status("default", &id).await.unwrap().unwrap()
}

#[tokio::test]
async fn delivers_method_headers_body_and_idempotency_key() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    let client = client(&redis).await;
    let (job, _) = client
        .enqueue(
            "default",
            NewJob::new(
                "webhook",
                json!({
                    "url": format!("{}/hooks/a?token=x", receiver.url),
                    "method": "put",
                    "headers": {"X-Custom": "yes"},
                    "body": {"hello": "world"}
                }),
            ),
        )
        .await
        .unwrap();
    wait_done(&client, "default", 1).await;
    w.stop().await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PUT", "/hooks/a?token=x")
    );
    assert_eq!(r.headers["idempotency-key"], job.id);
    assert_eq!(r.headers["x-custom"], "yes");
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap(),
        json!({"hello": "world"})
    );
}

#[tokio::test]
async fn retryable_statuses_and_timeouts_are_retried_until_success() {
    let redis = TestRedis::start();
    // 500, 429 (Retry-After: 0), 408, a timeout, then 200.
    let receiver = Receiver::start(|n| match n {
        0 => (500, vec![], Duration::ZERO),
        1 => (429, vec![("retry-after", "0".to_string())], Duration::ZERO),
        2 => (408, vec![], Duration::ZERO),
        3 => (200, vec![], Duration::from_secs(5)),
        _ => (200, vec![], Duration::ZERO),
    })
    .await;
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    let client = client(&redis).await;
    let (job, _) = client
        .enqueue(
            "default",
            NewJob::new(
                "webhook",
                json!({"url": receiver.url, "body": "plain", "timeout_ms": 300}),
            )
            .max_attempts(10),
        )
        .await
        .unwrap();
    wait_done(&client, "default", 1).await;
    w.stop().await;
    let got = receiver.received();
    assert_eq!(got.len(), 5);
    assert!(got
        .iter()
        .all(|r| r.headers["idempotency-key"] == job.id && r.body == "plain"));
    let s = client.status("default", &job.id).await.unwrap().unwrap();
    assert_eq!((s.state, s.attempts), (JobState::Done, 4));
    assert!(s.last_error.unwrap().contains("timed out"));
}

#[tokio::test]
async fn other_client_errors_go_straight_to_dead() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (404, vec![], Duration::ZERO)).await;
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    let client = run_one(
        &redis,
        json!({"url": format!("{}/gone?secret=s3cret", receiver.url)}),
        5,
    )
    .await;
    let status = dead_status(&client).await;
    w.stop().await;
    assert_eq!(receiver.count(), 1, "no retry for a 404");
    assert_eq!(status.state, JobState::Dead);
    let err = status.last_error.unwrap();
    assert!(err.contains("404"), "{err}");
    assert!(
        !err.contains("s3cret"),
        "query strings stay out of errors: {err}"
    );
}

#[tokio::test]
async fn connection_errors_retry_and_bad_payloads_die() {
    let redis = TestRedis::start();
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    // Nothing listens on this port: every attempt is a connection error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = run_one(
        &redis,
        json!({"url": format!("http://127.0.0.1:{port}/")}),
        2,
    )
    .await;
    let status = dead_status(&client).await;
    assert_eq!((status.state, status.attempts), (JobState::Dead, 2));
    assert!(status.last_error.unwrap().contains("request failed"));

    client
        .dead_purge("default", &redspin_worker::Selection::All)
        .await
        .unwrap();
    let before = client.stats("default").await.unwrap().buried;
    for bad in [
        json!({"nourl": 1}),
        json!({"url": "ftp://x/"}),
        json!({"url": "http://x/", "method": "BAD METHOD"}),
        json!("str"),
    ] {
        client
            .enqueue("default", NewJob::new("webhook", bad))
            .await
            .unwrap();
    }
    eventually(WAIT, "four bad payloads dead", || async {
        (client.stats("default").await.unwrap().buried == before + 4).then_some(())
    })
    .await;
    w.stop().await;
    for d in client.dead_list("default", 0, 10).await.unwrap() {
        assert_eq!(
            d.job.attempts, 1,
            "bad payloads are not retried: {:?}",
            d.job.last_error
        );
    }
}
