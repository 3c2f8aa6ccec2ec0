//! The script cache emptied mid-test (`SCRIPT FLUSH`, what a Redis restart
//! or a failover does): every script call falls back from `EVALSHA` to
//! `EVAL`, whatever words the host's Redis client uses for `NOSCRIPT`.

use crate::common::{header, login, send, TestApp, ADMIN, ALICE};
use serde_json::json;

/// How many times Redis ran `command` (from `INFO commandstats`).
fn calls(app: &TestApp, command: &str) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut app.redis_conn())
        .unwrap();
    let prefix = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|rest| rest.split(',').next().unwrap().parse().unwrap())
        .unwrap_or(0)
}

/// Logs in, checks the session, enqueues a task and reads a page twice;
/// every step runs at least one of the library's scripts.
async fn round(app: &TestApp) {
    let sid = login(app, ALICE.0, ALICE.1).await;
    let (s, _, b) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert_eq!((s, b["id"].as_i64()), (200, Some(1)), "{b}");
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(ADMIN)
            .json(&json!({"type": "noop", "delay_ms": 60000})),
    )
    .await;
    assert_eq!((s, b["status"].as_str()), (202, Some("scheduled")), "{b}");
    let (s, _, b) = send(
        app.client
            .get(app.url(&format!("/tasks/{}", b["id"].as_str().unwrap())))
            .bearer_auth(ADMIN),
    )
    .await;
    assert_eq!((s, b["state"].as_str()), (200, Some("scheduled")), "{b}");
    // A write drops the cached page, so the first read is a miss again.
    let (s, _, b) = send(
        app.client
            .put(app.url("/posts/hello-world"))
            .bearer_auth(ADMIN)
            .json(&json!({"title": "Hello", "body": "again"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    for want in ["miss", "hit"] {
        let r = app
            .client
            .get(app.url("/posts/hello-world"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            (r.status().as_u16(), header(r.headers(), "x-cache")),
            (200, want)
        );
    }
    let (s, _, _) = send(
        app.client
            .post(app.url("/auth/logout"))
            .header("cookie", &sid),
    )
    .await;
    assert_eq!(s, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_tasks_and_pages_survive_script_flush() {
    let app = TestApp::start().await;
    round(&app).await;
    let evals = calls(&app, "eval");
    assert!(evals > 0, "a fresh Redis has no scripts: EVAL ran");
    // Cached now: the same round runs on EVALSHA alone.
    round(&app).await;
    assert_eq!(
        calls(&app, "eval"),
        evals,
        "no EVAL while the scripts are cached"
    );

    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query(&mut app.redis_conn())
        .unwrap();
    round(&app).await;
    assert!(
        calls(&app, "eval") > evals,
        "after SCRIPT FLUSH the scripts were sent again with EVAL"
    );
    app.stop().await;
}
