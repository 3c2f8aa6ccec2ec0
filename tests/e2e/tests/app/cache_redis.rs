//! `cache_redis_url`: the cache (users, pages, tags) on a Redis of its own,
//! which may evict; sessions, throttles and tasks stay on `redis_url`.

use crate::common::{header, login, send, TestApp, ADMIN, ALICE};
use redspin_testsupport::TestRedis;
use serde_json::json;

/// The keys under `prefix` on one Redis (SCAN, as an operator would).
fn keys(url: &str, prefix: &str) -> Vec<String> {
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("connect");
    let mut found: Vec<String> = redis::cmd("SCAN")
        .arg(0)
        .arg("MATCH")
        .arg(format!("{prefix}:*"))
        .arg("COUNT")
        .arg(10_000)
        .query::<(u64, Vec<String>)>(&mut conn)
        .unwrap()
        .1;
    found.sort();
    found
}

/// What each key is (`cache`, `session`, `{default}` ...): the part after
/// the prefix.
fn kinds(keys: &[String], prefix: &str) -> std::collections::BTreeSet<String> {
    keys.iter()
        .map(|k| k[prefix.len() + 1..].split(':').next().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_lives_on_its_own_redis_and_the_rest_stays_on_redis_url() {
    let mut cache = TestRedis::start();
    let app = TestApp::start_with(&[("cache_redis_url", cache.url())]).await;
    let p = app.redis.prefix.clone();
    let get_user = || send(app.client.get(app.url("/users/1")));
    let (_, h, _) = get_user().await;
    assert_eq!(header(&h, "x-cache"), "miss");
    let (_, h, _) = get_user().await;
    assert_eq!(header(&h, "x-cache"), "hit");
    let (s, h, _) = send(app.client.get(app.url("/posts/hello-world"))).await;
    assert_eq!((s, header(&h, "x-cache")), (200, "miss"));
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(ADMIN)
            .json(&json!({"type": "noop"})),
    )
    .await;
    assert_eq!(s, 202, "{b}");

    let on_cache = keys(cache.url(), &p);
    let cache_kinds = kinds(&on_cache, &p);
    assert!(
        cache_kinds.contains("cache") && cache_kinds.contains("tags"),
        "{on_cache:?}"
    );
    assert!(
        cache_kinds
            .iter()
            .all(|k| ["cache", "tags", "lock"].contains(&k.as_str())),
        "nothing but the cache on cache_redis_url: {on_cache:?}"
    );
    let on_main = keys(app.redis.url(), &p);
    let main_kinds = kinds(&on_main, &p);
    assert!(
        main_kinds
            .iter()
            .all(|k| !["cache", "tags", "lock"].contains(&k.as_str())),
        "no cache entry on redis_url: {on_main:?}"
    );
    for k in ["session", "{default}"] {
        assert!(main_kinds.contains(k), "{k} on redis_url: {on_main:?}");
    }

    // An update invalidates on the cache's Redis.
    let (s, _, _) = send(
        app.client
            .put(app.url("/users/1"))
            .header("cookie", &sid)
            .json(&json!({"name": "Alice Liddell"})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, h, b) = get_user().await;
    assert_eq!(
        (header(&h, "x-cache"), b["name"].as_str()),
        ("miss", Some("Alice Liddell"))
    );

    // The cache's Redis gone: reads bypass it, writes that must invalidate
    // wait (503), sessions carry on.
    cache.stop();
    let (s, h, b) = get_user().await;
    assert_eq!((s, header(&h, "x-cache")), (200, "bypass"), "{b}");
    let (s, _, b) = send(
        app.client
            .put(app.url("/users/1"))
            .header("cookie", &sid)
            .json(&json!({"name": "Alice"})),
    )
    .await;
    assert_eq!(s, 503, "{b}");
    assert!(b["error"].as_str().unwrap().contains("cache"), "{b}");
    let (s, _, b) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert_eq!(s, 200, "{b}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_cache_settings_are_a_500_naming_them() {
    for (vars, name) in [
        (
            &[("cache_redis_url", "http://127.0.0.1:1")][..],
            "cache_redis_url",
        ),
        (
            &[("cache_redis_password", "s3cret")][..],
            "cache_redis_password",
        ),
    ] {
        let app = TestApp::start_with(vars).await;
        for path in ["/users/1", "/posts/hello-world"] {
            let (s, _, b) = send(app.client.get(app.url(path))).await;
            let error = b["error"].as_str().unwrap_or_default();
            assert_eq!(s, 500, "{path}: {b}");
            assert!(
                error.starts_with(&format!("configuration: {name} ")),
                "{error}"
            );
            assert!(!error.contains("s3cret"), "{error}");
        }
        // Components without the cache do not read these.
        let (s, _, _) = send(app.client.get(app.url("/auth/me"))).await;
        assert_eq!(s, 401);
        app.stop().await;
    }
}
