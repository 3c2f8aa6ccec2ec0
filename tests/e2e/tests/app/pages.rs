//! GET/PUT /posts: the page cache, ETag and 304, invalidation on write,
//! the list of posts.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_run_no_script_and_links_keep_safe_schemes() {
    let app = TestApp::start().await;
    let body = "[a](javascript:alert(1)) [b](JaVaScRiPt&#58;alert(2)) [c](<java\tscript:alert(3)>) \
                ![d](data:image/svg+xml,x) <javascript:alert(4)> [ok](https://example.com/) [rel](/posts/x)";
    let (s, _, b) = send(
        app.client
            .put(app.url("/posts/links"))
            .bearer_auth(ADMIN)
            .json(&json!({"title": "Links", "body": body})),
    )
    .await;
    assert!(s == 200 || s == 201, "{s} {b}");
    let r = app
        .client
        .get(app.url("/posts/links"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let csp = header(&h, "content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&h, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    let html = r.text().await.unwrap();
    // Every link and image target: neutralised, or a safe one.
    let targets: Vec<&str> = html
        .split(" href=\"")
        .chain(html.split(" src=\""))
        .filter(|part| !part.starts_with('<'))
        .filter_map(|part| part.split('"').next())
        .collect();
    assert_eq!(
        targets,
        [
            "/posts/",
            "#",
            "#",
            "#",
            "#",
            "https://example.com/",
            "/posts/x",
            "#"
        ],
        "{html}"
    );
    // JSON answers are not sniffed either.
    let (_, h, _) = send(app.client.get(app.url("/users/1"))).await;
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    app.stop().await;
}

/// Anonymous traffic for pages and users that do not exist is cached
/// briefly (`negative_ttl_secs`) and leaves nothing in Redis afterwards:
/// entries expire and the tag index is pruned with them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_slugs_and_ids_leave_nothing_behind() {
    let app = TestApp::start_with(&[("negative_ttl_secs", "1")]).await;
    for i in 0..300 {
        let r = app
            .client
            .get(app.url(&format!("/posts/nope-{i}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    let (s, _, _) = send(app.client.get(app.url("/users/9999"))).await;
    assert_eq!(s, 404);
    let mut conn = app.redis_conn();
    let indexed: i64 = redis::cmd("ZCARD")
        .arg(format!("{}:tags:pages", app.redis.prefix))
        .query(&mut conn)
        .unwrap();
    assert!((1..=300).contains(&indexed), "{indexed}");
    redspin_testsupport::eventually(
        std::time::Duration::from_secs(15),
        "every key to expire",
        || {
            let n: i64 = redis::cmd("DBSIZE").query(&mut conn).unwrap();
            std::future::ready((n == 0).then_some(()))
        },
    )
    .await;
    app.stop().await;
}

/// `/posts/` lists every post newest first, from the page cache, and a
/// write to any post drops it (tag `pages`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_cached_and_follows_writes() {
    let app = TestApp::start().await;
    let get = || app.client.get(app.url("/posts/")).send();
    let r1 = get().await.unwrap();
    assert_eq!(
        (r1.status().as_u16(), header(r1.headers(), "x-cache")),
        (200, "miss")
    );
    assert!(header(r1.headers(), "content-type").starts_with("text/html"));
    let html = r1.text().await.unwrap();
    assert!(
        html.contains("<a href=\"/posts/hello-world\">Hello, world</a>"),
        "{html}"
    );
    let r2 = get().await.unwrap();
    assert_eq!(header(r2.headers(), "x-cache"), "hit");
    let (s, _, _) = send(
        app.client
            .put(app.url("/posts/newer"))
            .bearer_auth(ADMIN)
            .json(&json!({"title": "A <newer> post", "body": "x"})),
    )
    .await;
    assert_eq!(s, 201);
    let r3 = get().await.unwrap();
    assert_eq!(
        header(r3.headers(), "x-cache"),
        "miss",
        "the write dropped the list"
    );
    let html = r3.text().await.unwrap();
    let newer = html
        .find("A &lt;newer&gt; post")
        .expect("the new post is listed, escaped");
    let older = html.find("Hello, world").unwrap();
    assert!(newer < older, "newest first: {html}");
    let (s, h, _) = send(app.client.post(app.url("/posts/"))).await;
    assert_eq!((s, header(&h, "allow")), (405, "GET, HEAD"));
    app.stop().await;
}
