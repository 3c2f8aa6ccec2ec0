//! The Prometheus endpoint reports what the worker did and the queue depths.

use crate::common::*;
use redspin_core::NewJob;
use redspin_testsupport::TestRedis;
use redspin_worker::{metrics, Registry, Worker};
use serde_json::json;

#[tokio::test]
async fn metrics_count_outcomes_and_report_depth() {
    let redis = TestRedis::start();
    let client = client(&redis).await;
    let config = config(&redis);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let m = metrics::Metrics::new();
    let queues = vec![config.schema.queue("default").unwrap()];
    let server = tokio::spawn(metrics::serve(
        listener,
        m.clone(),
        client.connection().clone(),
        queues,
        std::future::pending(),
    ));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(
        Worker::new(config, Registry::with_builtins())
            .with_metrics(m)
            .run(async {
                let _ = stop_rx.await;
            }),
    );
    for _ in 0..3 {
        client
            .enqueue("default", NewJob::new("noop", json!(null)))
            .await
            .unwrap();
    }
    client
        .enqueue("default", NewJob::new("unknown", json!(null)))
        .await
        .unwrap();
    client
        .enqueue(
            "default",
            NewJob::new("noop", json!(null)).delay_ms(600_000),
        )
        .await
        .unwrap();
    wait_done(&client, "default", 3).await;
    wait_dead(&client, "default", 1).await;

    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let body = resp.text().await.unwrap();
    let _ = stop_tx.send(());
    worker.await.unwrap().unwrap();
    server.abort();
    for want in [
        "redspin_jobs_processed_total{queue=\"default\"} 3",
        "redspin_jobs_dead_total{queue=\"default\"} 1",
        "redspin_handler_duration_seconds_count{queue=\"default\"} 3",
        "redspin_queue_depth{queue=\"default\",state=\"scheduled\"} 1",
        "redspin_queue_depth{queue=\"default\",state=\"dead\"} 1",
        "redspin_queue_depth{queue=\"default\",state=\"ready\"} 0",
    ] {
        assert!(
            body.lines().any(|l| l == want),
            "missing {want:?} in\n{body}"
        );
    }
}
