//! Redis going away and coming back under a running worker: the worker
//! keeps running, reconnects, reloads its scripts and registers again.

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_survives_a_redis_restart() {
    let mut redis = TestRedis::start();
    let client = client(&redis).await;
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    client
        .enqueue("default", NewJob::new("noop", json!(1)))
        .await
        .unwrap();
    wait_done(&client, "default", 1).await;

    // A restart without persistence: connections drop, the script cache,
    // the worker's registration and all data are gone.
    redis.restart();
    let (job, _) = eventually(WAIT, "enqueue after the restart", || async {
        client
            .enqueue("default", NewJob::new("noop", json!(2)))
            .await
            .ok()
    })
    .await;
    let status = eventually(WAIT, "the new job done", || async {
        let s = client.status("default", &job.id).await.ok()??;
        (s.state == JobState::Done).then_some(s)
    })
    .await;
    assert_eq!(status.attempts, 0);
    eventually(WAIT, "the worker registered again", || async {
        (client.stats("default").await.ok()?.workers == 1).then_some(())
    })
    .await;
    assert_eq!(w.stop().await.requeued, 0);
}
