//! Timeouts, cancel and unique jobs, with real `redspin-worker` processes
//! and the command line.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use redspin_core::JobState;
use redspin_testsupport::TestRedis;

fn cli(redis: &TestRedis, args: &[&str]) -> (bool, String, String) {
    let (ok, out, err) = crate::common::cli(redis, args);
    (ok, out.trim().to_owned(), err)
}

fn worker(redis: &TestRedis) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args(["run", "--webhook-allow-private", "--backoff-base-ms", "20"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker binary starts"),
    )
}

fn enqueue(redis: &TestRedis, url: &str, extra: &[&str]) -> String {
    let payload = format!(r#"{{"url": "{url}", "timeout_ms": 60000}}"#);
    let mut args = vec!["enqueue", "--type", "webhook", "--payload", &payload];
    args.extend_from_slice(extra);
    let (ok, id, err) = cli(redis, &args);
    assert!(ok, "{err}");
    id
}

async fn state(redis: &TestRedis, id: &str) -> redspin_core::ops::JobStatus {
    client(redis)
        .await
        .status("default", id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_ends_a_long_webhook_and_counts_as_a_failure() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::from_secs(5))).await;
    let id = enqueue(
        &redis,
        &receiver.url,
        &["--timeout-ms", "1000", "--max-attempts", "2"],
    );
    let _w = worker(&redis);
    let dead = wait_dead(&client(&redis).await, "default", 1).await;
    assert_eq!(dead[0].job.id, id);
    let s = state(&redis, &id).await;
    assert_eq!(
        s.last_error.as_deref(),
        Some("timed out after 1000 ms (attempts exhausted)")
    );
    let got = receiver.received();
    assert_eq!(got.len(), 2, "retried once as any failure");
    let took = s.updated_at.unwrap() - got[1].at_ms;
    assert!(
        took < 4000,
        "the second attempt ended {took} ms after it began"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_aborts_a_running_webhook_and_it_is_never_retried() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::from_secs(30))).await;
    let id = enqueue(&redis, &receiver.url, &[]);
    let _w = worker(&redis);
    eventually(WAIT, "the webhook to be running", || async {
        (receiver.count() == 1).then_some(())
    })
    .await;
    let (ok, _, err) = cli(&redis, &["cancel", &id]);
    assert!(ok && err.contains("cancelled (it was running)"), "{err}");
    let client = client(&redis).await;
    eventually(
        Duration::from_secs(5),
        "the handler to be aborted",
        || async {
            let s = client.stats("default").await.unwrap();
            (s.processing == 0).then_some(())
        },
    )
    .await;
    let s = client.stats("default").await.unwrap();
    assert_eq!((s.ready, s.scheduled, s.dead), (0, 0, 0), "{s:?}");
    assert_eq!(state(&redis, &id).await.state, JobState::Cancelled);
    assert_eq!(receiver.count(), 1);
    let (ok, _, err) = cli(&redis, &["cancel", &id]);
    assert!(!ok && err.contains("already cancelled"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_jobs_are_removed_and_never_run() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let later = enqueue(&redis, &receiver.url, &["--delay-ms", "600000"]);
    let (ok, _, err) = cli(&redis, &["queue", "pause", "default"]);
    assert!(ok, "{err}");
    let ready = enqueue(&redis, &receiver.url, &[]);
    let kept = enqueue(&redis, &receiver.url, &[]);
    for id in [&later, &ready] {
        let (ok, _, err) = cli(&redis, &["cancel", id]);
        assert!(ok, "{err}");
        assert_eq!(state(&redis, id).await.state, JobState::Cancelled);
    }
    let client = client(&redis).await;
    assert_eq!(
        client.stats("default").await.unwrap().scheduled,
        0,
        "removed from the delay set"
    );
    let _w = worker(&redis);
    cli(&redis, &["queue", "resume", "default"]);
    wait_done(&client, "default", 1).await;
    eventually(WAIT, "the ready list to drain", || async {
        (client.stats("default").await.unwrap().ready == 0).then_some(())
    })
    .await;
    assert_eq!(receiver.count(), 1, "only the job not cancelled ran");
    assert_eq!(state(&redis, &kept).await.state, JobState::Done);
    assert_eq!(state(&redis, &ready).await.state, JobState::Cancelled);
    let (ok, _, err) = cli(&redis, &["cancel", "no-such-job"]);
    assert!(!ok && err.contains("no job no-such-job"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_key_refuses_duplicates_until_its_job_finishes() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let first = enqueue(
        &redis,
        &receiver.url,
        &["--unique-key", "report:7", "--delay-ms", "600000"],
    );
    let payload = format!(r#"{{"url": "{}"}}"#, receiver.url);
    let again = [
        "enqueue",
        "--type",
        "webhook",
        "--payload",
        &payload,
        "--unique-key",
        "report:7",
    ];
    let (ok, id, err) = cli(&redis, &again);
    assert!(ok, "{err}");
    assert_eq!(id, first, "the first job's id");
    assert!(err.contains(&format!("duplicate of {first}")), "{err}");
    assert_eq!(
        client(&redis)
            .await
            .stats("default")
            .await
            .unwrap()
            .scheduled,
        1
    );
    // Another key is another job.
    let other = enqueue(&redis, &receiver.url, &["--unique-key", "report:8"]);
    assert_ne!(other, first);

    // Finished (here: cancelled), the key is free again.
    assert!(cli(&redis, &["cancel", &first]).0);
    let (ok, third, err) = cli(&redis, &again);
    assert!(ok && !err.contains("duplicate"), "{err}");
    assert_ne!(third, first);
    let _w = worker(&redis);
    wait_done(&client(&redis).await, "default", 2).await;
    // Done, it is free too.
    let (_, fourth, err) = cli(&redis, &again);
    assert!(!err.contains("duplicate") && fourth != third, "{err}");
    let (ok, _, err) = cli(
        &redis,
        &[
            "enqueue",
            "--type",
            "noop",
            "--payload",
            "{}",
            "--unique-key",
            "",
        ],
    );
    assert!(!ok && err.contains("unique_key"), "{err}");
}
