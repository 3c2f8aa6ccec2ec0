//! Access (sign-in, loopback-only, CSRF) and every action over HTTP
//! against a private Redis.

use redspin_core::JobState;
use serde_json::Value;

use super::support::*;

#[tokio::test]
async fn signing_in_is_needed_and_the_token_never_travels_in_a_url() {
    let dash = Dash::start(Some(TOKEN)).await;
    let res = http().get(dash.at("/")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    let (status, body) = dash.api("/api/overview", "").await;
    assert_eq!(status, 401);
    assert!(
        body["error"].as_str().unwrap().contains("sign in"),
        "{body}"
    );
    let (status, form) = dash.get("/login", "").await;
    assert_eq!(status, 200);
    assert!(form.contains("method=\"post\" action=\"/login\""), "{form}");
    assert!(form.contains("type=\"password\" name=\"token\""));

    // A wrong token: 401 and no cookie.
    let res = http()
        .post(dash.at("/login"))
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("set-cookie").is_none());

    // The right one: a session cookie, HttpOnly and SameSite=Strict.
    let res = http()
        .post(dash.at("/login"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(!set.contains(TOKEN), "the cookie is not the token");
    let cookie = dash.sign_in().await;
    let (status, page) = dash.get("/", &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Overview</h1>") && page.contains("Sign out"));
    // A tampered cookie is no session.
    let (status, _) = dash.get("/api/overview", &format!("{cookie}0")).await;
    assert_eq!(status, 401);

    // Scripts: the bearer token, for reading only.
    let bearer = |t: &str| http().get(dash.at("/api/overview")).bearer_auth(t).send();
    assert_eq!(bearer(TOKEN).await.unwrap().status(), 200);
    assert_eq!(bearer("wrong").await.unwrap().status(), 401);
    let res = http()
        .post(dash.at("/dead/purge-all"))
        .bearer_auth(TOKEN)
        .form(&[("queue", "default")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "actions need a signed-in browser");

    // Signing out clears the cookie.
    let (_, page) = dash.get("/", &cookie).await;
    let res = http()
        .post(dash.at("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    // The session is revoked on the server: the cookie, kept (or copied),
    // no longer signs anyone in.
    let (status, _) = dash.get("/api/overview", &cookie).await;
    assert_eq!(status, 401, "a signed-out cookie still worked");
    let res = http()
        .get(dash.at("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "back to the sign-in page");
    dash.stop().await;
}

#[tokio::test]
async fn without_a_token_it_serves_loopback_only() {
    let dash = Dash::start(None).await;
    let (status, page) = dash.get("/", "").await;
    assert_eq!(status, 200, "no sign-in without a token");
    assert!(!page.contains("Sign out"));
    // A page elsewhere that rebinds its name to 127.0.0.1 is refused.
    let res = http()
        .get(dash.at("/api/overview"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("loopback"));
    // And it refuses to listen anywhere but loopback.
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let state = redspin_dashboard::AppState {
        admin: redspin_dashboard::Admin::new(dash.client.clone()),
        auth: std::sync::Arc::new(redspin_dashboard::Auth::new(None, false).unwrap()),
        trace_url: None,
    };
    let err = redspin_dashboard::serve(listener, state, async {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("without a token"), "{err}");
    dash.stop().await;
}

#[tokio::test]
async fn actions_need_the_session_csrf_token_and_really_move_jobs() {
    let dash = Dash::start(Some(TOKEN)).await;
    let c = &dash.client;
    let ids = enqueue(c, "default", "doomed", 3, 0).await;
    work(&dash, "default", 0, 3).await;
    let cookie = dash.sign_in().await;
    let (_, page) = dash.get("/dead?queue=default", &cookie).await;
    let token = csrf(&page);
    let job = |id: &str| {
        let id = id.to_owned();
        async move { c.status("default", &id).await.unwrap().unwrap() }
    };
    let at = job(&ids[0]).await.updated_at.unwrap().to_string();
    let fields = |csrf: &str| {
        vec![
            ("queue", "default".to_string()),
            ("id", ids[0].clone()),
            ("at", at.clone()),
            ("csrf", csrf.to_string()),
        ]
    };

    // No CSRF field, another session's, or a stale one: 403, nothing moves.
    let other = dash.sign_in().await;
    let (_, other_page) = dash.get("/dead", &other).await;
    for bad in ["", "0".repeat(64).as_str(), csrf(&other_page).as_str()] {
        let f = fields(bad);
        let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _) = dash.post("/dead/retry", &cookie, &form).await;
        assert_eq!(status, 403, "csrf {bad:?}");
        assert_eq!(job(&ids[0]).await.state, JobState::Dead);
    }

    // Retry one: back in the ready list with a fresh budget.
    let f = fields(&token);
    let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = dash.post("/dead/retry", &cookie, &form).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/dead?queue=default&notice=retry&n=1")
    );
    assert_eq!(job(&ids[0]).await.state, JobState::Queued);
    let s = c.stats("default").await.unwrap();
    assert_eq!((s.ready, s.dead), (1, 2));
    let (_, page) = dash.get(&location, &cookie).await;
    assert!(page.contains("The job was sent back to its queue."));
    // Again: it is no longer there, and the page says so.
    let (_, location) = dash.post("/dead/retry", &cookie, &form).await;
    assert!(location.ends_with("n=0"), "{location}");

    // Delete one.
    let at1 = job(&ids[1]).await.updated_at.unwrap().to_string();
    let (status, _) = dash
        .post(
            "/dead/delete",
            &cookie,
            &[
                ("queue", "default"),
                ("id", &ids[1]),
                ("at", &at1),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(c.stats("default").await.unwrap().dead, 1);

    // Retry all, after a confirmation page that shows the count.
    enqueue(c, "default", "doomed", 4, 0).await;
    c.dead_retry("default", &redspin_queue::Selection::All)
        .await
        .unwrap();
    work(&dash, "default", 0, 5).await;
    let dead = c.stats("default").await.unwrap().dead;
    let (status, confirm) = dash
        .get("/dead/confirm?queue=default&action=retry-all", &cookie)
        .await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains(&format!("{dead} dead job(s)")),
        "{confirm}"
    );
    let (_, location) = dash
        .post(
            "/dead/retry-all",
            &cookie,
            &[("queue", "default"), ("csrf", &csrf(&confirm))],
        )
        .await;
    assert_eq!(
        location,
        format!("/dead?queue=default&notice=retry-all&n={dead}")
    );
    assert_eq!(c.stats("default").await.unwrap().dead, 0);

    // Purge all.
    work(&dash, "default", 0, dead).await;
    let (_, location) = dash
        .post(
            "/dead/purge-all",
            &cookie,
            &[("queue", "default"), ("csrf", &token)],
        )
        .await;
    assert!(location.contains("notice=purge-all"));
    assert_eq!(c.stats("default").await.unwrap().dead, 0);

    // Run a scheduled job now.
    let later = enqueue(c, "default", "ok", 1, 3_600_000).await;
    let run_at = job(&later[0]).await.run_at.unwrap().to_string();
    let (_, location) = dash
        .post(
            "/scheduled/run-now",
            &cookie,
            &[
                ("queue", "default"),
                ("id", &later[0]),
                ("at", &run_at),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(location, "/scheduled?queue=default&notice=run-now&n=1");
    let s = job(&later[0]).await;
    assert_eq!(s.state, JobState::Queued);
    assert!(
        s.run_at.unwrap() < run_at.parse::<u64>().unwrap(),
        "due now"
    );
    assert_eq!(c.stats("default").await.unwrap().scheduled, 0);

    // Bad forms: clear 400s.
    for (path, form) in [
        (
            "/dead/retry",
            vec![("queue", "default"), ("id", "x"), ("csrf", token.as_str())],
        ),
        (
            "/dead/retry",
            vec![
                ("queue", "bad{queue}"),
                ("id", "x"),
                ("at", "1"),
                ("csrf", token.as_str()),
            ],
        ),
        (
            "/scheduled/run-now",
            vec![
                ("queue", "default"),
                ("id", ""),
                ("at", "1"),
                ("csrf", token.as_str()),
            ],
        ),
    ] {
        let (status, _) = dash.post(path, &cookie, &form).await;
        assert_eq!(status, 400, "{path} {form:?}");
    }
    dash.stop().await;
}
