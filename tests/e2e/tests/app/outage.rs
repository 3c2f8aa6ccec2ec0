//! Redis stopped mid-test: fail-open reads, 503 for sessions and tasks, recovery.

use std::time::Duration;

use crate::common::{header, login, send, TestApp, ADMIN, ALICE};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_reads_fail_open_sessions_answer_503_then_recover() {
    let mut app = TestApp::start().await;
    let sid = login(&app, ALICE.0, ALICE.1).await;
    assert_eq!(send(app.client.get(app.url("/users/1"))).await.0, 200);
    app.redis.stop();
    let started = std::time::Instant::now();
    let (s, h, b) = send(app.client.get(app.url("/users/1"))).await;
    assert_eq!(
        (s, header(&h, "x-cache"), b["id"].as_i64()),
        (200, "bypass", Some(1))
    );
    let r = app
        .client
        .get(app.url("/posts/hello-world"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), header(r.headers(), "x-cache")),
        (200, "bypass")
    );
    let (s, _, b) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert_eq!(s, 503, "{b}");
    // Login answers 503 too: an outage never lifts the attempt limits.
    let (s, _, b) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({"email": ALICE.0, "password": ALICE.1})),
    )
    .await;
    assert_eq!(s, 503, "{b}");
    assert!(b["error"].as_str().unwrap().contains("unavailable"));
    let (s, _, _) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(ADMIN)
            .json(&json!({"type": "noop"})),
    )
    .await;
    assert_eq!(s, 503);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "no request hangs"
    );

    app.redis.restart();
    let (s, _, b) =
        redspin_testsupport::eventually(Duration::from_secs(20), "sessions work again", || async {
            let r = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
            (r.0 != 503).then_some(r)
        })
        .await;
    // The restarted server kept nothing (no persistence): the session is gone.
    assert_eq!((s, b["error"].as_str()), (401, Some("session expired")));
    let (_, h, _) = send(app.client.get(app.url("/users/1"))).await;
    assert_eq!(header(&h, "x-cache"), "miss");
    app.stop().await;
}
