//! Graceful shutdown: handlers that finish within the grace period are
//! acknowledged; the rest go back to the head of the queue.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::{JobContext, Registry, WorkerConfig};
use serde_json::json;

fn sleeper(registry: &mut Registry, started: Arc<AtomicUsize>) {
    registry.register("sleep", move |ctx: JobContext| {
        started.fetch_add(1, Ordering::SeqCst);
        let ms = ctx.job.payload["ms"].as_u64().unwrap_or(0);
        async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(())
        }
    });
}

#[tokio::test]
async fn unfinished_jobs_return_to_the_queue_and_finished_ones_are_acked() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let started = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    sleeper(&mut registry, started.clone());
    let w = TestWorker::start(
        WorkerConfig {
            concurrency: 2,
            fetch_batch: 1,
            shutdown_grace: Duration::from_millis(300),
            ..config(&redis)
        },
        registry,
    );
    // One job finishes within the grace period, one does not; three wait.
    let (quick, _) = client
        .enqueue("default", NewJob::new("sleep", json!({"ms": 50})))
        .await
        .unwrap();
    let (slow, _) = client
        .enqueue("default", NewJob::new("sleep", json!({"ms": 60_000})))
        .await
        .unwrap();
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(
            client
                .enqueue("default", NewJob::new("sleep", json!({"ms": 60_000})))
                .await
                .unwrap()
                .0
                .id,
        );
    }
    eventually(WAIT, "two handlers running", || async {
        (started.load(Ordering::SeqCst) == 2).then_some(())
    })
    .await;
    let summary = w.stop().await;

    assert_eq!(summary.requeued, 1, "only the slow job was handed back");
    assert_eq!(
        client
            .status("default", &quick.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        JobState::Done
    );
    let slow_status = client.status("default", &slow.id).await.unwrap().unwrap();
    assert_eq!((slow_status.state, slow_status.lost), (JobState::Queued, 0));
    let s = client.stats("default").await.unwrap();
    assert_eq!((s.ready, s.processing, s.workers, s.done), (4, 0, 0, 1));
    // The handed-back job is first in line again.
    let mut conn = client.connection().raw();
    let head: String = redis::cmd("LINDEX")
        .arg(client.schema().queue("default").unwrap().ready())
        .arg(0)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(head.contains(&slow.id));
}

#[tokio::test]
async fn a_stopped_worker_takes_no_new_jobs() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let started = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    sleeper(&mut registry, started.clone());
    let w = TestWorker::start(config(&redis), registry);
    eventually(WAIT, "the worker to register", || async {
        (client.stats("default").await.unwrap().workers == 1).then_some(())
    })
    .await;
    assert_eq!(w.stop().await.requeued, 0);
    client
        .enqueue("default", NewJob::new("sleep", json!({"ms": 0})))
        .await
        .unwrap();
    let s = client.stats("default").await.unwrap();
    assert_eq!((s.ready, s.processing, s.workers), (1, 0, 0));
    assert_eq!(started.load(Ordering::SeqCst), 0);
}
