//! Login and registration limits: 429 with `Retry-After`, held even for
//! the right password, per (email, address), per email and per address.

use std::time::Duration;

use redspin_testsupport::eventually;
use serde_json::json;

use crate::common::{header, send, TestApp, ALICE};

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, String, serde_json::Value) {
    let (s, h, b) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&json!({ "email": email, "password": password })),
    )
    .await;
    (s, header(&h, "retry-after").to_owned(), b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_pair_even_for_the_right_password() {
    let app = TestApp::start().await;
    // A success clears the pair's count: 4 failures, a success, then 5 more.
    for _ in 0..4 {
        assert_eq!(login(&app, ALICE.0, "wrong password").await.0, 401);
    }
    assert_eq!(login(&app, ALICE.0, ALICE.1).await.0, 200);
    for _ in 0..5 {
        assert_eq!(login(&app, ALICE.0, "wrong password").await.0, 401);
    }
    let (s, retry, b) = login(&app, ALICE.0, "wrong password").await;
    assert_eq!(
        (s, b["error"].as_str()),
        (429, Some("too many attempts, try again later"))
    );
    let secs: u64 = retry.parse().expect("Retry-After in seconds");
    assert!((890..=900).contains(&secs), "{secs}");
    let (s, _, _) = login(&app, ALICE.0, ALICE.1).await;
    assert_eq!(s, 429, "locked even for the right password");
    // The address is the host's to tell: a spoofed header changes nothing.
    let (s, _, _) = send(
        app.client
            .post(app.url("/auth/login"))
            .header("spin-client-addr", "203.0.113.9:1")
            .json(&json!({ "email": ALICE.0, "password": ALICE.1 })),
    )
    .await;
    assert_eq!(s, 429);
    // The email in another case is the same account.
    assert_eq!(login(&app, "ALICE@example.com", ALICE.1).await.0, 429);
    // Another account from the same address is not locked.
    let (s, _, b) = login(&app, "bob@example.com", "wrong password").await;
    assert_eq!(s, 401, "{b}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_and_address_caps_and_the_window() {
    let app = TestApp::start_with(&[
        ("login_max_failures", "50"),
        ("login_email_max_failures", "3"),
        ("login_address_max_failures", "6"),
        ("login_window_secs", "2"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(login(&app, ALICE.0, "wrong").await.0, 401);
    }
    assert_eq!(login(&app, ALICE.0, ALICE.1).await.0, 429, "per email");
    // Failures for other (unknown) emails fill the address's cap.
    for i in 0..3 {
        assert_eq!(
            login(&app, &format!("nobody{i}@example.com"), "x").await.0,
            401
        );
    }
    let (s, retry, _) = login(&app, "bob@example.com", "anything").await;
    assert_eq!(s, 429, "per address");
    assert!(
        retry == "1" || retry == "2",
        "within the 2 s window: {retry}"
    );
    // When the window has passed, the right password gets in again.
    eventually(Duration::from_secs(10), "the window to pass", || async {
        (login(&app, ALICE.0, ALICE.1).await.0 == 200).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_per_address_are_limited() {
    let app = TestApp::start_with(&[("register_max_per_address", "2")]).await;
    for i in 0..2 {
        let (s, _, b) = send(app.client.post(app.url("/users")).json(&json!({
            "name": "N", "email": format!("n{i}@example.com"), "password": "a long enough password"
        })))
        .await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, h, b) = send(app.client.post(app.url("/users")).json(&json!({
        "name": "N", "email": "n9@example.com", "password": "a long enough password"
    })))
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (429, Some("too many attempts, try again later"))
    );
    let secs: u64 = header(&h, "retry-after").parse().unwrap();
    assert!((3590..=3600).contains(&secs), "{secs}");
    app.stop().await;
}

/// OWASP's device cookies: a browser that signed in to an email before
/// keeps signing in there however many failures others pile up; without
/// the cookie the lock holds, right password included; the cookie's own
/// budget is small; and it is good for its email only.
#[tokio::test]
async fn a_device_cookie_keeps_its_owner_in_through_a_lockout() {
    let app = TestApp::start_with(&[("login_max_failures", "3")]).await;
    let attempt = |password: &'static str, cookie: Option<String>, email: &'static str| {
        let mut r = app
            .client
            .post(app.url("/auth/login"))
            .json(&json!({ "email": email, "password": password }));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        send(r)
    };
    // The owner signs in once: a session cookie and a device cookie.
    let (s, h, _) = attempt(ALICE.1, None, ALICE.0).await;
    assert_eq!(s, 200);
    let device = h
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("device="))
        .expect("a device cookie")
        .to_owned();
    assert!(
        device.contains("HttpOnly") && device.contains("SameSite=Strict"),
        "{device}"
    );
    let device = device.split(';').next().unwrap().to_owned();

    // Someone else guesses until the email is locked for clients without it.
    let mut s = 401;
    for _ in 0..10 {
        s = attempt("a guess", None, ALICE.0).await.0;
        if s == 429 {
            break;
        }
    }
    assert_eq!(s, 429, "the lock never bit");
    assert_eq!(
        attempt(ALICE.1, None, ALICE.0).await.0,
        429,
        "untrusted: locked, right password included"
    );

    // The owner's browser is not locked out.
    assert_eq!(attempt(ALICE.1, Some(device.clone()), ALICE.0).await.0, 200);
    // Its cookie buys only its own few guesses...
    let mut own = Vec::new();
    for _ in 0..4 {
        own.push(attempt("a guess", Some(device.clone()), ALICE.0).await.0);
    }
    assert_eq!(own, [401, 401, 401, 429], "the device's budget is its own");
    // ...and no trust for another email: for bob it counts as an untrusted
    // client (bob's counters, untouched: 401), not as the locked device.
    let (s, _, _) = attempt("a guess", Some(device), "bob@example.com").await;
    assert_eq!(s, 401, "alice's device cookie was used for bob");
    app.stop().await;
}
