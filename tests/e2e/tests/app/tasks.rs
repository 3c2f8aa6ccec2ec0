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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_see_their_own_tasks_within_a_quota() {
    let app = TestApp::start_with(&[("user_max_pending_tasks", "2")]).await;
    let alice = login(&app, ALICE.0, ALICE.1).await;
    let bob = login(&app, "bob@example.com", "bob has a long password").await;
    let post = |cookie: &str| {
        app.client
            .post(app.url("/tasks"))
            .header("cookie", cookie.to_owned())
            .json(&json!({"type": "noop", "delay_ms": 60000}))
    };
    let (s, _, b) = send(post(&alice)).await;
    assert_eq!(s, 202, "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    assert_eq!(send(post(&alice)).await.0, 202);
    let (s, _, b) = send(post(&alice)).await;
    assert_eq!(s, 429, "two unfinished tasks at most: {b}");
    assert!(b["error"]
        .as_str()
        .unwrap()
        .contains("too many unfinished tasks"));
    // Bob has a quota of his own, and cannot see Alice's task.
    assert_eq!(send(post(&bob)).await.0, 202);
    let get = |cookie: Option<&str>| {
        let r = app.client.get(app.url(&format!("/tasks/{id}")));
        match cookie {
            Some(c) => r.header("cookie", c.to_owned()),
            None => r.bearer_auth(ADMIN),
        }
    };
    let (s, _, b) = send(get(Some(&bob))).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (404, Some(format!("task {id} not found").as_str()))
    );
    let (s, _, b) = send(get(Some(&alice))).await;
    assert_eq!(s, 200);
    let sid_value = alice.split_once('=').unwrap().1;
    assert!(
        !b.to_string().contains(sid_value),
        "no session id in a task status: {b}"
    );
    assert_eq!(send(get(None)).await.0, 200, "the admin sees every task");
    // The admin has no quota.
    for _ in 0..3 {
        let (s, _, _) = send(
            app.client
                .post(app.url("/tasks"))
                .bearer_auth(ADMIN)
                .json(&json!({"type": "noop", "delay_ms": 60000})),
        )
        .await;
        assert_eq!(s, 202);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_headers_that_belong_to_the_connection_are_refused() {
    let app = TestApp::start().await;
    for name in [
        "Host",
        "Content-Length",
        "Transfer-Encoding",
        "Connection",
        "Upgrade",
        "Proxy-Authorization",
        "TE",
    ] {
        let (s, _, b) = send(
            app.client
                .post(app.url("/tasks"))
                .bearer_auth(ADMIN)
                .json(&json!({
                    "type": "webhook",
                    "payload": {"url": "https://example.com/hook", "headers": {name: "x"}}
                })),
        )
        .await;
        assert_eq!(s, 400, "{name}: {b}");
        assert!(
            b["error"].as_str().unwrap().contains("may not be set"),
            "{b}"
        );
    }
    app.stop().await;
}

/// What the worker would bury is refused at the door, in the core's words
/// (the field named, the value not echoed), and nothing is enqueued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_the_worker_would_refuse_are_refused_naming_the_field() {
    let app = TestApp::start().await;
    let cases = [
        (
            json!({"type": "webhook", "payload": {"url": "not a url"}}),
            "payload.url: is not an absolute URL",
        ),
        (
            json!({"type": "webhook", "payload": {"url": "ftp://files.example/s3cret"}}),
            "payload.url: must be http or https, got ftp",
        ),
        (
            json!({"type": "webhook", "payload": {"method": "POST"}}),
            "payload.url: is required",
        ),
        (
            json!({"type": "webhook", "payload": "https://example.com/s3cret"}),
            "payload: must be a JSON object, got a string",
        ),
        (
            json!({"type": "webhook", "payload": {"url": "https://example.com", "timeout_ms": 0}}),
            "payload.timeout_ms: must be at least 1",
        ),
        (
            json!({"type": "cache.invalidate", "payload": {}}),
            "payload: names no keys and no tags",
        ),
        (
            json!({"type": "noop", "delay_ms": 2_592_000_001u64}),
            "delay_ms may be at most 30 days",
        ),
        (
            json!({"type": "noop", "delay_ms": u64::MAX}),
            "delay_ms may be at most 30 days",
        ),
    ];
    for (body, want) in cases {
        let (s, _, b) = send(
            app.client
                .post(app.url("/tasks"))
                .bearer_auth(ADMIN)
                .json(&body),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        let error = b["error"].as_str().unwrap();
        assert!(error.contains(want), "{body}: {error}");
        assert!(!error.contains("s3cret"), "{error}");
    }
    let q = redspin_core::KeySchema::new(app.redis.prefix.clone())
        .unwrap()
        .queue("default")
        .unwrap();
    let mut conn = app.redis_conn();
    let ready: u64 = redis::cmd("LLEN").arg(q.ready()).query(&mut conn).unwrap();
    let scheduled: u64 = redis::cmd("ZCARD")
        .arg(q.scheduled())
        .query(&mut conn)
        .unwrap();
    assert_eq!((ready, scheduled), (0, 0), "nothing was enqueued");
    app.stop().await;
}
