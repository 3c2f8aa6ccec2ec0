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
