//! Pause, limits, cancel and schedules from the dashboard: each a POST with
//! the session's CSRF token (or the bearer token under `/api/`), logged,
//! and really done in Redis.

use crate::support::*;
use redspin_queue::schedule::ScheduleDef;
use serde_json::json;

async fn signed_in(dash: &Dash) -> (String, String) {
    let cookie = dash.sign_in().await;
    let (_, page) = dash.get("/", &cookie).await;
    (cookie, csrf(&page))
}

async fn bearer_post(dash: &Dash, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let res = http()
        .post(dash.at(path))
        .bearer_auth(TOKEN)
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_are_paused_resumed_and_limited() {
    let dash = Dash::start(Some(TOKEN)).await;
    enqueue(&dash.client, "default", "ok", 1, 0).await;
    let (cookie, token) = signed_in(&dash).await;
    let (status, to) = dash
        .post("/queue/pause", &cookie, &[("queue", "default")])
        .await;
    assert_eq!(status, 403, "no CSRF token, no action");
    assert!(to.is_empty());
    assert!(!dash.client.stats("default").await.unwrap().paused);

    let (status, to) = dash
        .post(
            "/queue/pause",
            &cookie,
            &[("queue", "default"), ("csrf", &token)],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/?notice=pause&n=1"));
    assert!(dash.client.stats("default").await.unwrap().paused);
    let (_, page) = dash.get(&to, &cookie).await;
    assert!(
        page.contains("default: paused; 1 ready job(s) wait"),
        "{page}"
    );
    assert!(page.contains("data-paused") && page.contains("action=\"/queue/resume\""));

    let (status, body) = bearer_post(&dash, "/api/queue/resume", &[("queue", "default")]).await;
    assert_eq!(
        (status, body),
        (200, json!({"action": "resume", "affected": 1}))
    );
    assert!(!dash.client.stats("default").await.unwrap().paused);

    let form = [
        ("queue", "default"),
        ("csrf", token.as_str()),
        ("rate", "10"),
        ("per_ms", "500"),
        ("concurrency", "3"),
    ];
    let (status, _) = dash.post("/queue/limit", &cookie, &form).await;
    assert_eq!(status, 303);
    let l = dash.client.stats("default").await.unwrap().limits;
    assert_eq!(
        (l.rate, l.per_ms, l.concurrency),
        (Some(10), Some(500), Some(3))
    );
    let (_, page) = dash.get("/", &cookie).await;
    assert!(
        page.contains("≤ 10 per") && page.contains("≤ 3 at once"),
        "{page}"
    );
    let (status, body) = bearer_post(
        &dash,
        "/api/queue/limit",
        &[("queue", "default"), ("rate", "-1")],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("rate"), "{body}");
    let (status, _) = dash
        .post(
            "/queue/clear-limits",
            &cookie,
            &[("queue", "default"), ("csrf", &token)],
        )
        .await;
    assert_eq!(status, 303);
    let l = dash.client.stats("default").await.unwrap().limits;
    assert_eq!((l.rate, l.concurrency), (None, None));
    let (status, body) = http()
        .post(dash.at("/api/queue/pause"))
        .header("cookie", &cookie)
        .form(&[("queue", "default")])
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 403, "a cookie alone does not act through the API");
    assert!(body.text().await.unwrap().contains("CSRF"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_cancelled_from_its_page() {
    let dash = Dash::start(Some(TOKEN)).await;
    let ids = enqueue(&dash.client, "default", "ok", 1, 600_000).await;
    let (cookie, token) = signed_in(&dash).await;
    let (_, page) = dash.get(&format!("/job?id={}", ids[0]), &cookie).await;
    assert!(page.contains("action=\"/job/cancel\""), "{page}");
    let form = [
        ("queue", "default"),
        ("id", ids[0].as_str()),
        ("csrf", token.as_str()),
    ];
    let (status, to) = dash.post("/job/cancel", &cookie, &form).await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("/job?id={}&notice=cancel&n=1", ids[0]));
    let s = dash
        .client
        .status("default", &ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.state, redspin_core::JobState::Cancelled);
    assert_eq!(dash.client.stats("default").await.unwrap().scheduled, 0);
    let (_, page) = dash.get(&to, &cookie).await;
    assert!(
        page.contains("The job is cancelled.") && !page.contains("action=\"/job/cancel\""),
        "{page}"
    );
    let (status, to) = dash.post("/job/cancel", &cookie, &form).await;
    assert_eq!(
        (status, to.contains("n=0")),
        (303, true),
        "already cancelled: {to}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_listed_and_removed() {
    let dash = Dash::start(Some(TOKEN)).await;
    let def = ScheduleDef {
        name: "nightly-report".into(),
        cron: "0 3 * * *".into(),
        tz: "Europe/Berlin".into(),
        kind: "ok".into(),
        payload: json!({"password": "hunter2"}),
        queue: "reports".into(),
        max_attempts: None,
    };
    dash.client.schedule_set(&def).await.unwrap();
    let (cookie, token) = signed_in(&dash).await;
    let (status, page) = dash.get("/schedules", &cookie).await;
    assert_eq!(status, 200);
    for want in [
        "nightly-report",
        "0 3 * * *",
        "Europe/Berlin",
        "reports",
        "action=\"/schedules/remove\"",
    ] {
        assert!(page.contains(want), "{want}: {page}");
    }
    assert!(!page.contains("hunter2"));
    let (status, body) = dash.api("/api/schedules", &cookie).await;
    assert_eq!(status, 200);
    assert_eq!(body["schedules"][0]["name"], "nightly-report");
    assert!(body["schedules"][0]["next_run_at"].as_u64().is_some());
    let (status, to) = dash
        .post(
            "/schedules/remove",
            &cookie,
            &[("name", "nightly-report"), ("csrf", &token)],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/schedules?notice=remove-schedule&n=1")
    );
    assert!(dash.client.schedule_list().await.unwrap().is_empty());
    let (_, page) = dash.get(&to, &cookie).await;
    assert!(
        page.contains("The schedule is removed.") && page.contains("No schedules."),
        "{page}"
    );
}
