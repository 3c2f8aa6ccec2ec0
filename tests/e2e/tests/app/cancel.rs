//! `unique_key`, `timeout_ms` and `DELETE /tasks/:id` through the component.

use crate::common::{login, send, TestApp, ADMIN, ALICE};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_keys_answer_the_first_task_and_cancel_frees_the_quota() {
    let app = TestApp::start_with(&[("user_max_pending_tasks", "1")]).await;
    let alice = login(&app, ALICE.0, ALICE.1).await;
    let bob = login(&app, "bob@example.com", "bob has a long password").await;
    let post = |cookie: &str, body: serde_json::Value| {
        send(
            app.client
                .post(app.url("/tasks"))
                .header("cookie", cookie)
                .json(&body),
        )
    };
    let task =
        json!({"type": "noop", "delay_ms": 600000, "unique_key": "nightly", "timeout_ms": 5000});
    let (s, _, first) = post(&alice, task.clone()).await;
    assert_eq!(s, 202, "{first}");
    let id = first["id"].as_str().unwrap().to_owned();
    let (s, _, dup) = post(&alice, task.clone()).await;
    assert_eq!(s, 200, "{dup}");
    assert_eq!(
        dup,
        json!({"id": id, "status": "scheduled", "duplicate": true})
    );
    // Keys are per owner: Bob's "nightly" is his own.
    let (s, _, b) = post(&bob, task.clone()).await;
    assert_eq!(s, 202, "{b}");
    assert_ne!(b["id"], first["id"]);
    // At Alice's quota (1), a task without the key is refused...
    let (s, _, _) = post(&alice, json!({"type": "noop", "delay_ms": 600000})).await;
    assert_eq!(s, 429);

    // ...until she cancels hers. Bob may not; the admin may cancel any.
    let delete = |cookie: Option<&str>, id: &str| {
        let req = app.client.delete(app.url(&format!("/tasks/{id}")));
        send(match cookie {
            Some(c) => req.header("cookie", c),
            None => req.bearer_auth(ADMIN),
        })
    };
    let (s, _, _) = delete(Some(&bob), &id).await;
    assert_eq!(s, 404, "someone else's task is as good as absent");
    let (s, _, body) = delete(Some(&alice), &id).await;
    assert_eq!((s, body), (204, json!("")));
    let (s, _, b) = send(
        app.client
            .get(app.url(&format!("/tasks/{id}")))
            .header("cookie", &alice),
    )
    .await;
    assert_eq!((s, b["state"].as_str()), (200, Some("cancelled")), "{b}");
    let (s, _, b) = delete(Some(&alice), &id).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            409,
            Some(format!("task {id} is already cancelled").as_str())
        )
    );
    let (s, _, again) = post(&alice, task).await;
    assert_eq!(s, 202, "the key and the quota are free: {again}");
    assert_ne!(again["id"], first["id"]);
    let (s, _, _) = delete(None, again["id"].as_str().unwrap()).await;
    assert_eq!(s, 204);
    let (s, _, _) = delete(None, "00000000-0000-0000-0000-000000000000").await;
    assert_eq!(s, 404);
    let (s, _, b) = delete(None, "not-a-uuid").await;
    assert_eq!(s, 400, "{b}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_timeouts_and_unique_keys_are_refused_naming_the_field() {
    let app = TestApp::start().await;
    for (body, want) in [
        (json!({"type": "noop", "timeout_ms": 0}), "timeout_ms"),
        (
            json!({"type": "noop", "timeout_ms": 86_400_001u64}),
            "timeout_ms",
        ),
        (json!({"type": "noop", "unique_key": ""}), "unique_key"),
        (
            json!({"type": "noop", "unique_key": "k".repeat(201)}),
            "unique_key",
        ),
        (json!({"type": "noop", "unique_key": "a\nb"}), "unique_key"),
    ] {
        let (s, _, b) = send(
            app.client
                .post(app.url("/tasks"))
                .bearer_auth(ADMIN)
                .json(&body),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b["error"].as_str().unwrap().contains(want), "{body}: {b}");
    }
    app.stop().await;
}
