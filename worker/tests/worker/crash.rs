//! A worker process killed with SIGKILL mid-job: its job is recovered by a
//! live worker within the recovery bound and nothing is lost.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_jobs_are_recovered_without_loss() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    // The first request hangs (the handler is mid-job when the process dies);
    // later ones succeed at once.
    let receiver = Receiver::start(|n| {
        let wait = if n == 0 {
            Duration::from_secs(60)
        } else {
            Duration::ZERO
        };
        (200, vec![], wait)
    })
    .await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
        .args(["run", "--recovery-timeout-ms", "1500", "--concurrency", "4"])
        .arg("--webhook-allow-private")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("worker binary starts");

    let (hung_job, _) = client
        .enqueue(
            "default",
            NewJob::new(
                "webhook",
                json!({ "url": format!("{}/hook", receiver.url) }),
            ),
        )
        .await
        .unwrap();
    let hung = hung_job.id;
    eventually(WAIT, "the first delivery attempt", || async {
        (receiver.count() == 1).then_some(())
    })
    .await;
    // More jobs wait behind it in the processing list or the ready list.
    let mut others = Vec::new();
    for _ in 0..5 {
        let (job, _) = client
            .enqueue(
                "default",
                NewJob::new(
                    "webhook",
                    json!({ "url": format!("{}/hook", receiver.url) }),
                ),
            )
            .await
            .unwrap();
        others.push(job.id);
    }
    eventually(WAIT, "the dead-to-be worker to take the others", || async {
        (receiver.count() >= 1 && client.stats("default").await.unwrap().ready == 0).then_some(())
    })
    .await;

    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let killed_at = Instant::now();

    let survivor = TestWorker::start(config(&redis), Registry::builtins(true));
    wait_done(&client, "default", 6).await;
    let recovered_after = killed_at.elapsed();
    survivor.stop().await;

    // Recovery is bounded by the recovery timeout (1.5 s) plus the time to
    // run the jobs; the generous margin keeps a loaded CI machine green.
    assert!(
        recovered_after < Duration::from_secs(6),
        "recovered after {recovered_after:?}"
    );
    let hung_status = client.status("default", &hung).await.unwrap().unwrap();
    assert_eq!(hung_status.state, JobState::Done);
    assert_eq!(hung_status.lost, 1, "the loss is recorded on the job");
    for id in &others {
        assert_eq!(
            client.status("default", id).await.unwrap().unwrap().state,
            JobState::Done
        );
    }
    // The hung job was delivered twice with the same idempotency key.
    let keys: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.headers["idempotency-key"].clone())
        .collect();
    assert_eq!(keys.iter().filter(|k| **k == hung).count(), 2);
    let s = client.stats("default").await.unwrap();
    // The killed worker stays registered, its list kept empty, for a grace
    // period after it was found dead (see reap.lua); the survivor left.
    assert_eq!((s.ready, s.processing, s.dead, s.workers), (0, 0, 0, 1));
}

#[tokio::test]
async fn a_job_that_keeps_killing_workers_goes_dead() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let (job, _) = client
        .enqueue("default", NewJob::new("noop", json!(null)).max_attempts(2))
        .await
        .unwrap();
    // Simulate two crashes: a worker that registered, claimed the job and
    // died (its heartbeat expired), twice.
    let q = client.schema().queue("default").unwrap();
    let r = client.connection();
    for round in 0..2 {
        let ghost = format!("ghost{round}");
        r.run(&redspin_core::ops::Heartbeat {
            queue: &q,
            worker: &ghost,
            ttl_ms: 1,
            info: "{}",
        })
        .await
        .unwrap();
        let got = r
            .run(&redspin_core::ops::Fetch {
                queue: &q,
                worker: &ghost,
                max: 10,
                now_ms: 0,
                blocked: None,
                heartbeat_ttl_ms: 1,
                gated_wait_ms: 100,
            })
            .await
            .unwrap();
        assert_eq!(got.jobs.len(), 1);
        eventually(WAIT, "the ghost's heartbeat to lapse", || async {
            let live: bool = redis::cmd("EXISTS")
                .arg(q.heartbeat(&ghost))
                .query_async(&mut r.raw())
                .await
                .unwrap();
            (!live).then_some(())
        })
        .await;
        let reaped = r
            .run(&redspin_core::ops::Reap {
                queue: &q,
                now_ms: 0,
                forget_after_ms: 0,
            })
            .await
            .unwrap();
        assert_eq!((reaped.jobs, reaped.workers), (1, 1));
    }
    let w = TestWorker::start(config(&redis), Registry::builtins(true));
    let dead = wait_dead(&client, "default", 1).await.remove(0);
    w.stop().await;
    assert_eq!(dead.job.id, job.id);
    assert!(dead.job.last_error.unwrap().contains("died 2 time(s)"));
}
