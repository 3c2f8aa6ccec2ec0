//! The session cycle: login, me, fixation, logout, logout-all.

use std::time::Duration;

use redis::Commands;
use redspin_core::KeySchema;
use redspin_testsupport::eventually;

use crate::common::{login, send, session_cookie, TestApp, ALICE};
use serde_json::json;

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
    let b_cookie = session_cookie(&h).split(';').next().unwrap().to_owned();
    assert_ne!(a, b_cookie);
    assert_eq!(me(Some(a.clone())).await.0, 401);
    let (s, h, _) = send(
        app.client
            .post(app.url("/auth/logout"))
            .header("cookie", &b_cookie),
    )
    .await;
    assert_eq!(
        (s, session_cookie(&h)),
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

fn max_age(set_cookie: &str) -> u64 {
    set_cookie
        .split("; ")
        .find_map(|p| p.strip_prefix("Max-Age="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no Max-Age in {set_cookie:?}"))
}

/// Each check slides the idle expiry in Redis and re-sends the cookie.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_slides_the_idle_expiry() {
    let app = TestApp::start().await;
    let sid = login(&app, ALICE.0, ALICE.1).await;
    // Redis knows the session by the SHA-256 of its id.
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(sid.strip_prefix("sid=").unwrap().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let key = KeySchema::new(app.redis.prefix.clone())
        .unwrap()
        .session(&digest);
    let mut redis = app.redis_conn();
    // As if the session had been idle for all but ten seconds of a week.
    let _: bool = redis.pexpire(&key, 10_000).unwrap();
    let (s, h, _) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert_eq!(s, 200);
    let pttl: i64 = redis.pttl(&key).unwrap();
    assert!(
        pttl > 604_000_000,
        "idle expiry slid back to 7 days: {pttl}"
    );
    let cookie = session_cookie(&h);
    assert!(cookie.starts_with(&format!("{sid}; ")), "same session");
    assert_eq!(max_age(cookie), 604_800);
    app.stop().await;
}

/// However active, a session ends at its absolute lifetime; the cookie never
/// outlives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_at_their_absolute_lifetime() {
    let app = TestApp::start_with(&[("session_absolute_secs", "4")]).await;
    let (s, h, _) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({"email": ALICE.0, "password": ALICE.1})),
    )
    .await;
    assert_eq!(s, 200);
    let cookie = session_cookie(&h).to_owned();
    assert!(max_age(&cookie) <= 4, "{cookie}");
    let sid = cookie.split(';').next().unwrap().to_owned();
    let me = || send(app.client.get(app.url("/auth/me")).header("cookie", &sid));
    let (s, h, _) = me().await;
    assert_eq!(s, 200, "still within its lifetime");
    assert!(max_age(session_cookie(&h)) <= 4);
    // Used all along, it still ends.
    let (h, b) = eventually(Duration::from_secs(30), "the session ends", || async {
        let (s, h, b) = me().await;
        (s == 401).then_some((h, b))
    })
    .await;
    assert_eq!(b["error"].as_str(), Some("session expired"));
    assert_eq!(max_age(session_cookie(&h)), 0, "the cookie is cleared");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_with_the_cookie_are_refused() {
    let app = TestApp::start().await;
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let own = app.base.clone();
    // The session id travels in the cookie only, never in a body.
    let (_, _, me) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert!(
        !me.to_string().contains(sid.split_once('=').unwrap().1),
        "{me}"
    );
    let refused = |b: &serde_json::Value| b["error"] == "cross-site request refused";

    let (s, _, b) = send(
        app.client
            .post(app.url("/auth/logout"))
            .header("cookie", &sid)
            .header("origin", "http://evil.example"),
    )
    .await;
    assert!(s == 403 && refused(&b), "{s} {b}");
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .header("cookie", &sid)
            .header("sec-fetch-site", "cross-site")
            .json(&json!({"type": "noop"})),
    )
    .await;
    assert!(s == 403 && refused(&b), "{s} {b}");
    // The session survived both.
    let (s, _, _) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert_eq!(s, 200);
    // An API client with the admin token and no cookie: not affected.
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks"))
            .bearer_auth(crate::common::ADMIN)
            .header("origin", "http://evil.example")
            .json(&json!({"type": "noop"})),
    )
    .await;
    assert_eq!(s, 202, "{b}");
    // Same origin: allowed.
    let (s, _, b) = send(
        app.client
            .post(app.url("/auth/logout"))
            .header("cookie", &sid)
            .header("origin", &own)
            .header("sec-fetch-site", "same-origin"),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secure_cookie_is_named_host_prefixed() {
    let app = TestApp::start_with(&[("cookie_secure", "true")]).await;
    let (s, h, b) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({"email": ALICE.0, "password": ALICE.1})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let cookie = session_cookie(&h).to_owned();
    assert!(cookie.starts_with("__Host-sid="), "{cookie}");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800; Secure")
            && !cookie.to_ascii_lowercase().contains("domain="),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let (s, _, _) = send(app.client.get(app.url("/auth/me")).header("cookie", &pair)).await;
    assert_eq!(s, 200);
    // The same id under the plain name is not the session cookie here.
    let plain = pair.replacen("__Host-sid=", "sid=", 1);
    let (s, _, b) = send(app.client.get(app.url("/auth/me")).header("cookie", &plain)).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("not logged in")));
    app.stop().await;
}

/// A login beyond `session_max_per_user` ends that user's oldest session,
/// and Redis knows sessions by digest only: no record under a raw id.
#[tokio::test]
async fn a_user_keeps_at_most_session_max_per_user_sessions() {
    let app = TestApp::start_with(&[("session_max_per_user", "2")]).await;
    let mut cookies = Vec::new();
    for _ in 0..3 {
        cookies.push(login(&app, ALICE.0, ALICE.1).await);
    }
    let mut statuses = Vec::new();
    for c in &cookies {
        let (s, _, _) = send(app.client.get(app.url("/auth/me")).header("cookie", c)).await;
        statuses.push(s);
    }
    assert_eq!(statuses, [401, 200, 200], "the oldest of three ended");
    let mut conn = app.redis_conn();
    for c in &cookies {
        let id = c.split_once('=').unwrap().1;
        let exists: bool = conn
            .exists(format!("{}:session:{id}", app.redis.prefix))
            .unwrap();
        assert!(!exists, "a session stored under its raw id");
    }
    app.stop().await;
}
