//! GET/PUT /posts: the page cache, ETag and 304, invalidation on write.

use crate::common::{header, send, TestApp, ADMIN};
use serde_json::json;

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
