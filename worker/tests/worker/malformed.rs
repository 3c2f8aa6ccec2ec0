//! Bad input in the queue never stops the worker: malformed envelopes and
//! unknown job types go to the dead set with a clear error.

use crate::common::*;
use redspin_core::{JobState, NewJob};
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;
use serde_json::json;

#[tokio::test]
async fn malformed_envelopes_and_unknown_types_are_dead_lettered() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let w = TestWorker::start(config(&redis), Registry::with_builtins());
    let ready = client.schema().queue("default").unwrap().ready();
    let mut conn = client.connection().raw();
    let garbage = [
        "not json",
        "{\"id\":\"x\"}",
        "{\"id\":\"\",\"type\":\"noop\"}",
        "[1,2,3]",
        "{\"id\":\"y\",\"type\":\"noop\",\"attempts\":\"many\"}",
    ];
    for g in garbage {
        let _: i64 = redis::cmd("RPUSH")
            .arg(&ready)
            .arg(g)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    let (unknown, _) = client
        .enqueue("default", NewJob::new("no.such.type", json!(null)))
        .await
        .unwrap();
    let (good, _) = client
        .enqueue("default", NewJob::new("noop", json!(null)))
        .await
        .unwrap();
    wait_done(&client, "default", 1).await;
    wait_dead(&client, "default", 6).await;
    w.stop().await;

    assert_eq!(
        client
            .status("default", &good.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        JobState::Done
    );
    let u = client
        .status("default", &unknown.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.state, JobState::Dead);
    assert_eq!(
        u.last_error.as_deref(),
        Some("no handler for job type \"no.such.type\"")
    );
    let dead = client.dead_list("default", 0, 10).await.unwrap();
    let malformed: Vec<_> = dead.iter().filter(|d| d.job.kind == "malformed").collect();
    assert_eq!(malformed.len(), 5);
    for d in malformed {
        assert!(d
            .job
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("malformed envelope: "));
        // The original bytes are kept for inspection.
        assert!(garbage.contains(&d.job.payload.as_str().unwrap()));
    }
    // A readable id keeps its status record, which ends dead, not running.
    for id in ["x", "y"] {
        let st = client.status("default", id).await.unwrap().unwrap();
        assert_eq!(st.state, JobState::Dead, "{id}");
        assert!(st.last_error.unwrap().starts_with("malformed envelope: "));
    }
    let s = client.stats("default").await.unwrap();
    assert_eq!((s.ready, s.processing), (0, 0));
}
