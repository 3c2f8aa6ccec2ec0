//! POST/GET /tasks through the component.

use crate::common::{header, login, send, TestApp, ADMIN, ALICE};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_enqueued_and_reported() {
    let app = TestApp::start().await;
    let (s, _, _) = send(
        app.client
            .post(app.url("/tasks"))
            .json(&json!({"type": "noop"})),
    )
    .await;
    assert_eq!(s, 401);
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let (s, h, b) = send(
        app.client
            .post(app.url("/tasks"))
            .header("cookie", &sid)
            .json(&json!({"type": "noop", "payload": {"n": 1}, "delay_ms": 60000})),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (202, Some("scheduled")), "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    assert_eq!(header(&h, "location"), format!("/tasks/{id}"));
    let (s, _, b) = send(
        app.client
            .get(app.url(&format!("/tasks/{id}")))
            .header("cookie", &sid),
    )
    .await;
    assert_eq!((s, b["state"].as_str()), (200, Some("scheduled")), "{b}");
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(ADMIN)
            .json(&json!({"type": "webhook", "payload": {"url": "http://127.0.0.1:9/"}})),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (202, Some("queued")));
    let (s, _, _) = send(
        app.client
            .post(app.url("/tasks"))
            .header("cookie", &sid)
            .json(&json!({"type": "webhook", "payload": {}})),
    )
    .await;
    assert_eq!(s, 403, "users may not send webhooks");
    app.stop().await;
}
