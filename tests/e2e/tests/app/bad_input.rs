//! A table of bad inputs: every one a 4xx with a JSON error.

use crate::common::{header, login, send, TestApp, ADMIN, ALICE};
use serde_json::json;

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
        (
            "bad JSON",
            c.post(app.url("/users"))
                .header("content-type", "application/json")
                .body("{nope"),
            400,
        ),
        (
            "a text/plain body (what a cross-site form can send)",
            c.post(app.url("/auth/login"))
                .header("content-type", "text/plain")
                .body(r#"{"email":"alice@example.com","password":"correct horse battery staple"}"#),
            415,
        ),
        (
            "a form body",
            c.post(app.url("/users")).form(&[("name", "x")]),
            415,
        ),
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
            "huge JSON (declared length)",
            c.post(app.url("/users")).body(vec![b' '; 100_000]),
            413,
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
    // A streamed (chunked) body just over the app's own limit: the
    // component stops reading and answers 413. Spin sets no body limit, so
    // this one is the app's.
    let over = vec![b' '; redspin_app::validate::MAX_JSON_BYTES + 1];
    let body = reqwest::Body::wrap_stream(futures::stream::once(async {
        Ok::<_, std::io::Error>(over)
    }));
    let (s, h, b) = send(
        app.client
            .post(app.url("/users"))
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (413, Some("request body too large"))
    );
    assert_eq!(header(&h, "content-type"), "application/json");
    // Declared too large: 413 before a byte of the body is read (asked
    // with headers only). Under Spin the component answers; redspin-host's
    // own limit (10 MiB) answers first there.
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
