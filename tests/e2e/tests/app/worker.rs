//! The app with the native worker: a task posted to `/tasks` reaches its
//! webhook at its due time, once, and its status follows.

use std::time::Duration;

use redspin_core::KeySchema;
use redspin_queue::now_ms;
use redspin_testsupport::eventually;
use redspin_testsupport::receiver::Receiver;
use redspin_worker::{Registry, Worker, WorkerConfig};
use serde_json::json;
use tokio::sync::oneshot;

use crate::common::{login, send, TestApp, ADMIN, ALICE};

/// The real worker runtime on the app's Redis; send on the sender to stop it.
fn start_worker(
    app: &TestApp,
    registry: Registry,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<redspin_worker::Result<redspin_worker::RunSummary>>,
) {
    let config = WorkerConfig {
        redis_url: app.redis.url().to_owned(),
        schema: KeySchema::new(app.redis.prefix.clone()).unwrap(),
        ..WorkerConfig::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = tokio::spawn(Worker::new(config, registry).run(async {
        let _ = stopped.await;
    }));
    (stop, worker)
}

async fn task_state(app: &TestApp, id: &str) -> serde_json::Value {
    let (s, _, b) = send(
        app.client
            .get(app.url(&format!("/tasks/{id}")))
            .bearer_auth(ADMIN),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_webhook_is_delivered_at_its_due_time() {
    let app = TestApp::start().await;
    let receiver = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let hook = &receiver.url;
    let (stop, worker) = start_worker(&app, Registry::builtins(true));

    const DELAY_MS: u64 = 2_000;
    let posted_ms = now_ms();
    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(ADMIN)
            .header("traceparent", TRACEPARENT)
            .json(&json!({
                "type": "webhook",
                "payload": {"url": format!("{hook}/hooks/welcome"), "body": {"user": 1}},
                "delay_ms": DELAY_MS,
            })),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (202, Some("scheduled")), "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    let due_ms = task_state(&app, &id).await["run_at"].as_u64().unwrap();
    assert!(
        due_ms >= posted_ms + DELAY_MS,
        "due {due_ms}, posted {posted_ms}"
    );

    // A user's no-op task, due now, runs meanwhile.
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .header("cookie", &sid)
            .json(&json!({"type": "noop"})),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (202, Some("queued")));
    let noop = b["id"].as_str().unwrap().to_owned();
    eventually(
        Duration::from_secs(20),
        "the no-op task is done",
        || async { (task_state(&app, &noop).await["state"] == "done").then_some(()) },
    )
    .await;

    let hit = eventually(Duration::from_secs(20), "the webhook arrives", || async {
        receiver.received().first().cloned()
    })
    .await;
    assert!(
        hit.at_ms >= due_ms,
        "not early: arrived {} ms before due",
        due_ms - hit.at_ms
    );
    // The promoter is woken for the earliest due job; a second is generous
    // for a loaded CI machine (BENCHMARKS.md has the measured lateness).
    assert!(
        hit.at_ms <= due_ms + 1_000,
        "on time: {} ms late",
        hit.at_ms - due_ms
    );
    assert_eq!(hit.path, "/hooks/welcome");
    assert_eq!(hit.headers["idempotency-key"], id);
    // The request's trace context went through the queue (this worker
    // exports nothing, so it passes the context on as it came).
    assert_eq!(
        hit.headers.get("traceparent").map(String::as_str),
        Some(TRACEPARENT)
    );
    let body: serde_json::Value = serde_json::from_str(&hit.body).unwrap();
    assert_eq!(body, json!({"user": 1}));
    let done = eventually(Duration::from_secs(20), "the status says done", || async {
        let b = task_state(&app, &id).await;
        (b["state"] == "done").then_some(b)
    })
    .await;
    assert_eq!(done["attempts"], 0, "no failed attempts: {done}");

    let _ = stop.send(());
    worker.await.unwrap().unwrap();
    assert_eq!(receiver.count(), 1, "delivered once");
    app.stop().await;
}

/// The worker as deployed (no `--webhook-allow-private`): a webhook posted
/// through `/tasks` to an internal address goes dead at once, and its status
/// says which address and why, nothing of the URL's path or query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_to_an_internal_address_is_dead_with_the_reason() {
    let app = TestApp::start().await;
    let (stop, worker) = start_worker(&app, Registry::with_builtins());
    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(ADMIN)
            .header("traceparent", TRACEPARENT)
            .json(&json!({
                "type": "webhook",
                "payload": {"url": "http://169.254.169.254/latest/meta-data/iam?token=s3cret"},
            })),
    )
    .await;
    assert_eq!(s, 202, "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    let dead = eventually(Duration::from_secs(20), "the task to go dead", || async {
        let b = task_state(&app, &id).await;
        (b["state"] == "dead").then_some(b)
    })
    .await;
    assert_eq!(
        dead["last_error"],
        "webhook destination 169.254.169.254 is not allowed (link-local address)"
    );
    let _ = stop.send(());
    worker.await.unwrap().unwrap();
    app.stop().await;
}
