//! Failures: retries with exponential backoff until the attempts run out,
//! then the dead set; permanent failures and panics; reviving dead jobs.

use std::time::Duration;

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_queue::Selection;
use redspin_testsupport::TestRedis;
use redspin_worker::{HandlerError, Registry};
use serde_json::json;

#[tokio::test]
async fn retries_back_off_then_the_job_goes_dead() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let rec = Recorder::default();
    let mut registry = Registry::new();
    rec.register(&mut registry, "flaky", |c| {
        Err(HandlerError::retry(format!("try {} failed", c.attempts)))
    });
    let w = TestWorker::start(config(&redis), registry);
    let (job, _) = client
        .enqueue("default", NewJob::new("flaky", json!(null)).max_attempts(4))
        .await
        .unwrap();
    let dead = wait_dead(&client, "default", 1).await.remove(0);
    w.stop().await;

    let calls = rec.calls();
    assert_eq!(calls.len(), 4, "max_attempts calls");
    assert_eq!(
        calls.iter().map(|c| c.attempts).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    // Backoff base 20 ms with equal jitter: retry n waits at least 10 * 2^(n-1) ms.
    for (n, pair) in calls.windows(2).enumerate() {
        let gap = pair[1].at.duration_since(pair[0].at);
        let floor = Duration::from_millis(10 << n);
        assert!(
            gap >= floor,
            "retry {} came after {gap:?}, before {floor:?}",
            n + 1
        );
    }
    assert_eq!(dead.job.id, job.id);
    assert_eq!(dead.job.attempts, 4);
    assert_eq!(
        dead.job.last_error.as_deref(),
        Some("try 3 failed (attempts exhausted)")
    );
    let status = client.status("default", &job.id).await.unwrap().unwrap();
    assert_eq!((status.state, status.attempts), (JobState::Dead, 4));
    let s = client.stats("default").await.unwrap();
    assert_eq!((s.dead, s.retried, s.buried, s.done), (1, 3, 1, 0));
}

#[tokio::test]
async fn permanent_failures_skip_retries_and_panics_are_retried() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let rec = Recorder::default();
    let mut registry = Registry::new();
    rec.register(&mut registry, "broken", |_| {
        Err(HandlerError::fail("bad input"))
    });
    registry.register("panics", |ctx: redspin_worker::JobContext| async move {
        if ctx.job.attempts == 0 {
            panic!("first attempt blows up");
        }
        Ok(())
    });
    let w = TestWorker::start(config(&redis), registry);
    let (broken, _) = client
        .enqueue("default", NewJob::new("broken", json!(null)))
        .await
        .unwrap();
    let (panics, _) = client
        .enqueue("default", NewJob::new("panics", json!(null)))
        .await
        .unwrap();
    wait_done(&client, "default", 1).await;
    wait_dead(&client, "default", 1).await;
    w.stop().await;
    assert_eq!(rec.count(), 1, "a permanent failure runs once");
    let b = client.status("default", &broken.id).await.unwrap().unwrap();
    assert_eq!(
        (b.state, b.last_error.as_deref()),
        (JobState::Dead, Some("bad input"))
    );
    let p = client.status("default", &panics.id).await.unwrap().unwrap();
    assert_eq!((p.state, p.attempts), (JobState::Done, 1));
    assert!(p
        .last_error
        .unwrap()
        .contains("handler panicked: first attempt blows up"));
}

#[tokio::test]
async fn dead_jobs_can_be_revived_and_purged() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    // Three jobs of a type nobody handles yet: all dead.
    let w = TestWorker::start(config(&redis), Registry::new());
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            client
                .enqueue("default", NewJob::new("later", json!(i)))
                .await
                .unwrap()
                .0
                .id,
        );
    }
    wait_dead(&client, "default", 3).await;
    w.stop().await;

    assert_eq!(
        client
            .dead_purge("default", &Selection::Ids(vec![ids[2].clone()]))
            .await
            .unwrap(),
        1
    );
    let rec = Recorder::default();
    let mut registry = Registry::new();
    rec.register(&mut registry, "later", |_| Ok(()));
    let w = TestWorker::start(config(&redis), registry);
    assert_eq!(
        client
            .dead_retry("default", &Selection::Ids(vec![ids[0].clone()]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        client
            .dead_retry("default", &Selection::Ids(vec![ids[0].clone()]))
            .await
            .unwrap(),
        0,
        "only once"
    );
    wait_done(&client, "default", 1).await;
    assert_eq!(
        client
            .status("default", &ids[0])
            .await
            .unwrap()
            .unwrap()
            .state,
        JobState::Done
    );
    assert_eq!(
        client.dead_retry("default", &Selection::All).await.unwrap(),
        1
    );
    wait_done(&client, "default", 2).await;
    w.stop().await;
    let mut seen: Vec<String> = rec.calls().into_iter().map(|c| c.id).collect();
    seen.sort();
    let mut want = vec![ids[0].clone(), ids[1].clone()];
    want.sort();
    assert_eq!(seen, want, "the purged job never ran");
    assert_eq!(
        client.dead_purge("default", &Selection::All).await.unwrap(),
        0
    );
}
