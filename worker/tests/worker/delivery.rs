//! Delivery without faults: every job exactly once across several workers.

use crate::common::*;
use redspin_core::NewJob;
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_runs_exactly_once_across_three_workers() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let rec = Recorder::default();
    let mut workers = Vec::new();
    for _ in 0..3 {
        let mut registry = Registry::new();
        rec.register(&mut registry, "count", |_| Ok(()));
        workers.push(TestWorker::start(config(&redis), registry));
    }
    const N: usize = 3000;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        let (job, _) = client
            .enqueue("default", NewJob::new("count", json!({ "i": i })))
            .await
            .unwrap();
        ids.push(job.id);
    }
    wait_done(&client, "default", N as u64).await;
    for w in workers {
        assert_eq!(w.stop().await.requeued, 0);
    }

    let per_id = rec.per_id();
    assert_eq!(per_id.len(), N, "every job ran");
    assert!(per_id.values().all(|&n| n == 1), "no job ran twice");
    for id in &ids {
        assert_eq!(per_id.get(id), Some(&1));
    }
    let s = client.stats("default").await.unwrap();
    assert_eq!(
        (s.ready, s.processing, s.dead, s.done, s.workers),
        (0, 0, 0, N as u64, 0)
    );
    let status = client.status("default", &ids[0]).await.unwrap().unwrap();
    assert_eq!(status.state, redspin_core::JobState::Done);
}

#[tokio::test]
async fn status_follows_the_job_and_expires_after_retention() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let (job, state) = client
        .enqueue(
            "default",
            NewJob::new("count", json!(null)).delay_ms(60_000),
        )
        .await
        .unwrap();
    assert_eq!(state, redspin_core::JobState::Scheduled);
    let s = client.status("default", &job.id).await.unwrap().unwrap();
    assert_eq!(
        (s.state, s.run_at),
        (redspin_core::JobState::Scheduled, Some(job.run_at))
    );
    assert_eq!(client.status("default", "no-such-job").await.unwrap(), None);

    let (job, state) = client
        .enqueue("default", NewJob::new("count", json!(null)))
        .await
        .unwrap();
    assert_eq!(state, redspin_core::JobState::Queued);
    let rec = Recorder::default();
    let mut registry = Registry::new();
    rec.register(&mut registry, "count", |_| Ok(()));
    let w = TestWorker::start(
        redspin_worker::WorkerConfig {
            status_retention: std::time::Duration::from_secs(100),
            ..config(&redis)
        },
        registry,
    );
    wait_done(&client, "default", 1).await;
    w.stop().await;
    let s = client.status("default", &job.id).await.unwrap().unwrap();
    assert_eq!(s.state, redspin_core::JobState::Done);
    let mut conn = client.connection().raw();
    let ttl: i64 = redis::cmd("TTL")
        .arg(client.schema().queue("default").unwrap().job(&job.id))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        (1..=100).contains(&ttl),
        "done status expires after the retention, ttl {ttl}"
    );
}
