//! The built-in `webhook` handler against a local HTTP server.

use std::time::Duration;

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

async fn run_one(
    redis: &TestRedis,
    payload: serde_json::Value,
    max_attempts: u32,
) -> redspin_queue::QueueClient {
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
async fn dead_status(client: &redspin_queue::QueueClient) -> redspin_core::ops::JobStatus {
    let id = wait_dead(client, "default", 1).await.remove(0).job.id;
    client.status("default", &id).await.unwrap().unwrap()
}

#[tokio::test]
async fn delivers_method_headers_body_and_idempotency_key() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
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
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
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
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
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
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
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
        .dead_purge("default", &redspin_queue::Selection::All)
        .await
        .unwrap();
    let before = client.stats("default").await.unwrap().buried;
    for bad in [
        json!({"nourl": 1}),
        json!({"url": "ftp://x/"}),
        json!({"url": "http://x/", "method": "BAD METHOD"}),
        json!("str"),
    ] {
        let refused = client
            .enqueue("default", NewJob::new("webhook", bad.clone()))
            .await
            .unwrap_err();
        assert!(refused.to_string().starts_with("payload"), "{refused}");
        enqueue_unchecked(&client, "default", NewJob::new("webhook", bad)).await;
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

/// Every spelling of a local destination is refused for good, without a
/// single request reaching it, and `last_error` says which address and why.
#[tokio::test]
async fn private_destinations_are_refused_for_good() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let port = receiver.url.rsplit(':').next().unwrap().to_owned();
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    let client = client(&redis).await;
    let cases = [
        (format!("http://127.0.0.1:{port}/"), "127.0.0.1", "loopback"),
        (
            format!("http://2130706433:{port}/"),
            "127.0.0.1",
            "loopback",
        ),
        (
            format!("http://0x7f000001:{port}/"),
            "127.0.0.1",
            "loopback",
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/"),
            "127.0.0.1",
            "loopback",
        ),
        (format!("http://[::1]:{port}/"), "::1", "loopback"),
        (format!("http://localhost:{port}/"), "", "loopback"),
        (
            "http://169.254.169.254/latest/meta-data/".into(),
            "169.254.169.254",
            "link-local",
        ),
        ("http://10.0.0.5/hook".into(), "10.0.0.5", "private"),
        ("http://100.64.0.1/".into(), "100.64.0.1", "CGNAT"),
        ("http://[fd00::1]/".into(), "fd00::1", "unique-local"),
    ];
    let mut ids = Vec::new();
    for (url, _, _) in &cases {
        let (job, _) = client
            .enqueue(
                "default",
                NewJob::new("webhook", json!({ "url": url })).max_attempts(5),
            )
            .await
            .unwrap();
        ids.push(job.id);
    }
    wait_dead(&client, "default", cases.len()).await;
    w.stop().await;
    assert_eq!(receiver.count(), 0, "nothing reached the local receiver");
    for (id, (url, addr, reason)) in ids.iter().zip(&cases) {
        let s = client.status("default", id).await.unwrap().unwrap();
        let err = s.last_error.unwrap_or_default();
        assert_eq!((s.state, s.attempts), (JobState::Dead, 1), "{url}: {err}");
        assert!(err.starts_with("webhook destination "), "{url}: {err}");
        assert!(
            err.ends_with(&format!("is not allowed ({reason} address)")),
            "{url}: {err}"
        );
        assert!(err.contains(addr), "{url}: {err}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed_and_secrets_stay_out_of_errors() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| {
        (
            302,
            vec![("location", "http://169.254.169.254/".to_string())],
            Duration::ZERO,
        )
    })
    .await;
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
    let url = receiver.url.replacen("http://", "http://user:pa55word@", 1)
        + "/services/T000/B000/XXXXSECRET?token=s3cret";
    let client = run_one(&redis, json!({ "url": url }), 5).await;
    let status = dead_status(&client).await;
    w.stop().await;
    assert_eq!(receiver.count(), 1, "the redirect was not followed");
    let err = status.last_error.unwrap();
    assert!(
        err.contains("302") && err.contains("redirects are not followed"),
        "{err}"
    );
    assert!(
        err.contains(&receiver.url.replace("http://", "")),
        "named by host and port: {err}"
    );
    for secret in ["XXXXSECRET", "s3cret", "pa55word", "user", "/services"] {
        assert!(!err.contains(secret), "{secret} in {err}");
    }
}

#[tokio::test]
async fn headers_that_belong_to_the_connection_go_dead() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
    let client = client(&redis).await;
    let hook = json!({ "url": receiver.url, "headers": {"Transfer-Encoding": "chunked"} });
    let refused = client
        .enqueue("default", NewJob::new("webhook", hook.clone()))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("may not be set"), "{refused}");
    enqueue_unchecked(&client, "default", NewJob::new("webhook", hook)).await;
    let status = dead_status(&client).await;
    w.stop().await;
    assert_eq!(receiver.count(), 0);
    assert!(status.last_error.unwrap().contains("may not be set"));
}

/// The worker binary's own logs (debug level) name no secret of a webhook
/// URL either.
#[tokio::test]
async fn logs_carry_no_webhook_secrets() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (500, vec![], Duration::ZERO)).await;
    let log = std::env::temp_dir().join(format!("redspin-worker-log-{}", uuid::Uuid::new_v4()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
        .args(["run", "--backoff-base-ms", "10", "--webhook-allow-private"])
        .env("RUST_LOG", "debug")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("worker binary starts");
    let url = receiver.url.replacen("http://", "http://user:pa55word@", 1)
        + "/services/T000/B000/XXXXSECRET?token=s3cret";
    let client = run_one(
        &redis,
        json!({ "url": url, "body": {"card": "4111-SECRET"} }),
        2,
    )
    .await;
    dead_status(&client).await;
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(text.contains("webhook"), "the failures were logged: {text}");
    for secret in ["XXXXSECRET", "s3cret", "pa55word", "4111-SECRET"] {
        assert!(!text.contains(secret), "{secret} in the log:\n{text}");
    }
}
