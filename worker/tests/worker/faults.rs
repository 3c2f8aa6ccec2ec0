//! Loss windows where a reply never arrived: envelopes in
//! a live worker's processing list that the worker does not hold are handed
//! back; a Redis freeze longer than the heartbeat time to live does not make
//! the live workers look dead; a worker dropped from the registry while alive
//! registers again with its next claim.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::{JobContext, Registry};
use serde_json::json;

/// An envelope that a claim moved into the worker's list but whose reply
/// was lost: the worker hands it back within its recovery bound, without a
/// restart, and it runs.
#[tokio::test]
async fn envelopes_a_live_worker_does_not_hold_are_handed_back() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let recorder = Recorder::default();
    let mut registry = Registry::new();
    recorder.register(&mut registry, "noop", |_| Ok(()));
    let w = TestWorker::start(config(&redis), registry);
    let q = client.schema().queue("default").unwrap();
    eventually(WAIT, "the worker registers", || async {
        let n: u64 = redis::cmd("SCARD")
            .arg(q.workers())
            .query_async(&mut client.connection().raw())
            .await
            .unwrap();
        (n == 1).then_some(())
    })
    .await;
    // As if a claim ran on the server and its reply never came back.
    let job = NewJob::new("noop", json!({}))
        .into_job(uuid::Uuid::new_v4(), 1)
        .unwrap();
    let _: i64 = redis::cmd("RPUSH")
        .arg(q.processing(&w.id))
        .arg(job.to_json())
        .query_async(&mut client.connection().raw())
        .await
        .unwrap();
    eventually(WAIT, "the orphan runs", || async {
        (recorder.count() == 1).then_some(())
    })
    .await;
    wait_done(&client, "default", 1).await;
    let s = client.stats("default").await.unwrap();
    assert_eq!((s.ready, s.processing), (0, 0));
    assert_eq!(
        client
            .status("default", &job.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        JobState::Done
    );
    w.stop().await;
}

/// Redis frozen longer than the heartbeat time to live while two workers
/// run long jobs: after the thaw neither is presumed dead, so no job is
/// recovered from under its worker and each runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_freeze_does_not_make_live_workers_look_dead() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let start = |runs: Arc<AtomicUsize>| {
        let mut registry = Registry::new();
        registry.register("slow", move |_ctx: JobContext| {
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(9)).await;
                Ok(())
            }
        });
        TestWorker::start(config(&redis), registry)
    };
    let (a, b) = (start(runs.clone()), start(runs.clone()));
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(
            client
                .enqueue("default", NewJob::new("slow", json!({})))
                .await
                .unwrap()
                .0
                .id,
        );
    }
    eventually(WAIT, "all four running", || async {
        (runs.load(Ordering::SeqCst) == 4).then_some(())
    })
    .await;
    // The heartbeat lives 750 ms (recovery 1.5 s); the freeze (6 s) also
    // outlasts the client's response timeout (5 s), so heartbeats fail.
    redis.freeze();
    tokio::time::sleep(Duration::from_secs(6)).await;
    redis.thaw();
    wait_done(&client, "default", 4).await;
    assert_eq!(runs.load(Ordering::SeqCst), 4, "no job ran twice");
    for id in &ids {
        assert_eq!(
            client.status("default", id).await.unwrap().unwrap().lost,
            0,
            "{id} was not recovered"
        );
    }
    a.stop().await;
    b.stop().await;
}

/// A live worker removed from the registry (a stall past its heartbeat, or
/// a Redis restart that lost the key) is registered again by its next
/// claim, before any job lands in its list.
#[tokio::test]
async fn a_claim_registers_the_worker_again() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let q = client.schema().queue("default").unwrap();
    let mut conn = client.connection().raw();
    let got = client
        .connection()
        .run(&redspin_core::ops::Fetch {
            queue: &q,
            worker: "w-gone",
            max: 1,
            now_ms: 0,
            blocked: None,
            heartbeat_ttl_ms: 60_000,
            gated_wait_ms: 100,
        })
        .await
        .unwrap();
    assert!(got.jobs.is_empty());
    let member: bool = redis::cmd("SISMEMBER")
        .arg(q.workers())
        .arg("w-gone")
        .query_async(&mut conn)
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(q.heartbeat("w-gone"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(member, "registered by the claim");
    assert!(ttl > 0 && ttl <= 60_000, "heartbeat set: {ttl}");
}
