//! The routes, end to end, through the real components.

mod common;

use std::time::Duration;

use common::{header, send, TestApp, ADMIN};
use serde_json::json;

const ALICE: (&str, &str) = ("alice@example.com", "correct horse battery staple");

async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let (status, h, body) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({ "email": email, "password": password })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cookie = header(&h, "set-cookie").to_owned();
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_read_through_the_cache_and_updates_invalidate() {
    let app = TestApp::start().await;
    let get = |id: &str| send(app.client.get(app.url(&format!("/users/{id}"))));
    let (s1, h1, b1) = get("1").await;
    let (s2, h2, b2) = get("1").await;
    assert_eq!((s1, header(&h1, "x-cache")), (200, "miss"));
    assert_eq!((s2, header(&h2, "x-cache")), (200, "hit"));
    assert_eq!(b1, b2);
    assert_eq!(b1["email"], "alice@example.com");
    assert!(b1.get("password_hash").is_none());

    let (s, h, _) = get("999").await;
    assert_eq!((s, header(&h, "x-cache")), (404, "miss"));
    let (s, h, _) = get("999").await;
    assert_eq!(
        (s, header(&h, "x-cache")),
        (404, "hit"),
        "absence is cached"
    );

    let sid = login(&app, ALICE.0, ALICE.1).await;
    let (s, _, b) = send(
        app.client
            .put(app.url("/users/1"))
            .header("cookie", &sid)
            .json(&json!({"name": "Alice Liddell"})),
    )
    .await;
    assert_eq!((s, b["name"].as_str()), (200, Some("Alice Liddell")));
    let (s, h, b) = get("1").await;
    assert_eq!(
        (s, header(&h, "x-cache"), b["name"].as_str()),
        (200, "miss", Some("Alice Liddell"))
    );
    // Someone else's profile: forbidden; the admin may.
    let (s, _, _) = send(
        app.client
            .put(app.url("/users/2"))
            .header("cookie", &sid)
            .json(&json!({"name": "X"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = send(
        app.client
            .put(app.url("/users/2"))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "Robert"})),
    )
    .await;
    assert_eq!(s, 200);

    // Registration, then a login as the new user.
    let (s, h, b) = send(app.client.post(app.url("/users")).json(
        &json!({"name": "Carol", "email": "carol@example.com", "password": "carol's password"}),
    ))
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(header(&h, "location"), format!("/users/{}", b["id"]));
    let (s, _, _) = send(app.client.post(app.url("/users")).json(
        &json!({"name": "C2", "email": "CAROL@example.com", "password": "carol's password"}),
    ))
    .await;
    assert_eq!(s, 409);
    login(&app, "carol@example.com", "carol's password").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_cached_with_etags_and_invalidated_on_write() {
    let app = TestApp::start().await;
    let r1 = app
        .client
        .get(app.url("/posts/hello-world"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r1.status().as_u16(), header(r1.headers(), "x-cache")),
        (200, "miss")
    );
    let etag = header(r1.headers(), "etag").to_owned();
    assert!(header(r1.headers(), "cache-control").contains("max-age"));
    assert!(r1
        .text()
        .await
        .unwrap()
        .contains("<strong>redspin</strong>"));
    let r2 = app
        .client
        .get(app.url("/posts/hello-world"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            header(r2.headers(), "x-cache"),
            header(r2.headers(), "etag")
        ),
        ("hit", etag.as_str())
    );
    let r3 = app
        .client
        .get(app.url("/posts/hello-world"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r3.status().as_u16(), 304);
    assert!(r3.text().await.unwrap().is_empty());

    let (s, _, _) = send(
        app.client
            .put(app.url("/posts/hello-world"))
            .json(&json!({"title": "T", "body": "b"})),
    )
    .await;
    assert_eq!(s, 401, "writing needs the admin token");
    let (s, _, _) = send(
        app.client
            .put(app.url("/posts/hello-world"))
            .bearer_auth(ADMIN)
            .json(&json!({"title": "New title", "body": "*new*"})),
    )
    .await;
    assert_eq!(s, 200);
    let r4 = app
        .client
        .get(app.url("/posts/hello-world"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r4.status().as_u16(), header(r4.headers(), "x-cache")),
        (200, "miss")
    );
    assert!(r4.text().await.unwrap().contains("<h1>New title</h1>"));
    let (s, _, _) = send(
        app.client
            .put(app.url("/posts/second"))
            .bearer_auth(ADMIN)
            .json(&json!({"title": "Second", "body": "x"})),
    )
    .await;
    assert_eq!(s, 201);

    let r5 = app
        .client
        .get(app.url("/posts/no-such-post"))
        .send()
        .await
        .unwrap();
    assert_eq!(r5.status().as_u16(), 404);
    assert!(r5.text().await.unwrap().contains("Not found"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cycle_login_me_logout_and_logout_all() {
    let app = TestApp::start().await;
    let me = |cookie: Option<String>| {
        let mut r = app.client.get(app.url("/auth/me"));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        send(r)
    };
    let (s, _, b) = me(None).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("not logged in")));
    let (s, _, b) = me(Some(format!("sid={}", "0".repeat(64)))).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("session expired")));

    let (s, _, b) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({"email": "alice@example.com", "password": "wrong password"})),
    )
    .await;
    let (s2, _, b2) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({"email": "nobody@example.com", "password": "wrong password"})),
    )
    .await;
    assert_eq!((s, s2), (401, 401));
    assert_eq!(b, b2, "same answer for unknown email and bad password");

    let a = login(&app, ALICE.0, ALICE.1).await;
    let (s, _, b) = me(Some(a.clone())).await;
    assert_eq!((s, b["id"].as_i64()), (200, Some(1)));
    // Logging in with a session presented ends that session (no fixation).
    let (s, h, _) = send(
        app.client
            .post(app.url("/auth/login"))
            .header("cookie", &a)
            .json(&json!({"email": ALICE.0, "password": ALICE.1})),
    )
    .await;
    assert_eq!(s, 200);
    let b_cookie = header(&h, "set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(a, b_cookie);
    assert_eq!(me(Some(a.clone())).await.0, 401);
    let (s, h, _) = send(
        app.client
            .post(app.url("/auth/logout"))
            .header("cookie", &b_cookie),
    )
    .await;
    assert_eq!(
        (s, header(&h, "set-cookie")),
        (204, "sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
    );
    assert_eq!(me(Some(b_cookie)).await.0, 401);

    let c1 = login(&app, ALICE.0, ALICE.1).await;
    let c2 = login(&app, ALICE.0, ALICE.1).await;
    let bob = login(&app, "bob@example.com", "bob has a long password").await;
    let (s, _, _) = send(
        app.client
            .post(app.url("/auth/logout-all"))
            .header("cookie", &c1),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(me(Some(c1)).await.0, 401);
    assert_eq!(me(Some(c2)).await.0, 401);
    assert_eq!(me(Some(bob)).await.0, 200);
    app.stop().await;
}

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
async fn bad_input_gets_a_4xx_with_a_json_error() {
    let app = TestApp::start().await;
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let c = &app.client;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("non-numeric id", c.get(app.url("/users/abc")), 400),
        ("negative id", c.get(app.url("/users/-1")), 400),
        (
            "huge id",
            c.get(app.url("/users/99999999999999999999999")),
            400,
        ),
        ("bad JSON", c.post(app.url("/users")).body("{nope"), 400),
        ("empty body", c.post(app.url("/auth/login")), 400),
        (
            "missing fields",
            c.post(app.url("/users")).json(&json!({"name": "x"})),
            400,
        ),
        (
            "bad email",
            c.post(app.url("/users"))
                .json(&json!({"name": "x", "email": "nope", "password": "long enough"})),
            400,
        ),
        (
            "short password",
            c.post(app.url("/users"))
                .json(&json!({"name": "x", "email": "x@y.z", "password": "short"})),
            400,
        ),
        (
            "huge JSON",
            c.post(app.url("/users")).body(vec![b' '; 100_000]),
            400,
        ),
        (
            "garbage cookie",
            c.get(app.url("/auth/me")).header("cookie", "sid=../../etc"),
            401,
        ),
        ("wrong method", c.delete(app.url("/users/1")), 405),
        (
            "unknown route in group",
            c.get(app.url("/users/1/extra")),
            404,
        ),
        (
            "bad task id",
            c.get(app.url("/tasks/xyz")).header("cookie", &sid),
            400,
        ),
        (
            "unknown task",
            c.get(app.url("/tasks/00000000-0000-0000-0000-000000000000"))
                .header("cookie", &sid),
            404,
        ),
        (
            "empty task type",
            c.post(app.url("/tasks"))
                .header("cookie", &sid)
                .json(&json!({"type": "", "payload": {}})),
            403,
        ),
        (
            "bad max_attempts",
            c.post(app.url("/tasks"))
                .bearer_auth(ADMIN)
                .json(&json!({"type": "noop", "max_attempts": 0})),
            400,
        ),
        (
            "delay too long",
            c.post(app.url("/tasks"))
                .bearer_auth(ADMIN)
                .json(&json!({"type": "noop", "delay_ms": 9_999_999_999u64})),
            400,
        ),
        (
            "bad slug",
            c.put(app.url("/posts/Bad_Slug"))
                .bearer_auth(ADMIN)
                .json(&json!({"title": "t", "body": "b"})),
            400,
        ),
    ];
    for (what, req, want) in cases {
        let (s, h, b) = send(req).await;
        assert_eq!(s, want, "{what}: {b}");
        assert_eq!(header(&h, "content-type"), "application/json", "{what}");
        assert!(
            b["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {b}"
        );
    }
    // Over the host's body limit: 413 before any component runs (asked
    // with headers only; the host answers without reading a body).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    tcp.write_all(b"POST /users HTTP/1.1\r\nhost: x\r\ncontent-length: 11534336\r\n\r\n")
        .await
        .unwrap();
    let mut head = vec![0u8; 12];
    tcp.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    app.stop().await;
}

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
