//! GET/PUT/POST /users: cache-aside reads, absence cached, invalidation on update.

use crate::common::{header, login, send, TestApp, ADMIN, ALICE};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_read_through_the_cache_and_updates_invalidate() {
    let app = TestApp::start().await;
    let get = |id: &str| send(app.client.get(app.url(&format!("/users/{id}"))));
    let (s1, h1, b1) = get("1").await;
    let (s2, h2, b2) = get("1").await;
    assert_eq!((s1, header(&h1, "x-cache")), (200, "miss"));
    assert_eq!((s2, header(&h2, "x-cache")), (200, "hit"));
    assert_eq!(b1, b2);
    assert_eq!(b1["id"], 1);
    assert!(
        b1.get("email").is_none(),
        "anonymous readers get the public view"
    );
    assert!(b1.get("password_hash").is_none());

    let (s, h, _) = get("999").await;
    assert_eq!((s, header(&h, "x-cache")), (404, "miss"));
    let (s, h, _) = get("999").await;
    assert_eq!(
        (s, header(&h, "x-cache")),
        (404, "hit"),
        "absence is cached"
    );

    let sid = login(&app, ALICE.0, ALICE.1).await;
    let (s, _, b) = send(
        app.client
            .put(app.url("/users/1"))
            .header("cookie", &sid)
            .json(&json!({"name": "Alice Liddell"})),
    )
    .await;
    assert_eq!((s, b["name"].as_str()), (200, Some("Alice Liddell")));
    let (s, h, b) = get("1").await;
    assert_eq!(
        (s, header(&h, "x-cache"), b["name"].as_str()),
        (200, "miss", Some("Alice Liddell"))
    );
    // Someone else's profile: forbidden; the admin may.
    let (s, _, _) = send(
        app.client
            .put(app.url("/users/2"))
            .header("cookie", &sid)
            .json(&json!({"name": "X"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = send(
        app.client
            .put(app.url("/users/2"))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "Robert"})),
    )
    .await;
    assert_eq!(s, 200);

    // Registration, then a login as the new user.
    let (s, h, b) = send(app.client.post(app.url("/users")).json(
        &json!({"name": "Carol", "email": "carol@example.com", "password": "carol's password"}),
    ))
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(header(&h, "location"), format!("/users/{}", b["id"]));
    let (s, _, _) = send(app.client.post(app.url("/users")).json(
        &json!({"name": "C2", "email": "CAROL@example.com", "password": "carol's password"}),
    ))
    .await;
    assert_eq!(s, 409);
    // Taking another user's email in an update: 409 too, and nothing changed.
    let (s, _, b) = send(
        app.client
            .put(app.url("/users/2"))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "Bobby", "email": "Carol@Example.com"})),
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (409, Some("email already registered"))
    );
    let (_, _, b) = send(app.client.get(app.url("/users/2"))).await;
    assert_eq!(b["name"], "Robert");
    login(&app, "carol@example.com", "carol's password").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_are_shown_to_their_owner_and_the_admin_only() {
    let app = TestApp::start().await;
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let public = ["avatar", "created_at", "id", "name"];
    let keys = |b: &serde_json::Value| {
        let mut k: Vec<String> = b.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    // Anonymous, twice (a miss, then a hit of the same full cache entry).
    for _ in 0..2 {
        let (s, h, b) = send(app.client.get(app.url("/users/1"))).await;
        assert_eq!(
            (s, keys(&b)),
            (200, public.map(String::from).to_vec()),
            "{b}"
        );
        assert_ne!(header(&h, "cache-control"), "no-store");
    }
    // The owner sees the full record, not to be stored.
    let (s, h, b) = send(app.client.get(app.url("/users/1")).header("cookie", &sid)).await;
    assert_eq!((s, b["email"].as_str()), (200, Some(ALICE.0)), "{b}");
    assert_eq!(header(&h, "cache-control"), "no-store");
    assert_eq!(header(&h, "x-cache"), "hit");
    // Another user's record: the public view; the admin: everything.
    let (_, _, b) = send(app.client.get(app.url("/users/2")).header("cookie", &sid)).await;
    assert!(b.get("email").is_none(), "{b}");
    let (_, _, b) = send(app.client.get(app.url("/users/2")).bearer_auth(ADMIN)).await;
    assert_eq!(b["email"], "bob@example.com");
    // A session cookie that is no session: the public view, not an error.
    let (s, _, b) = send(
        app.client
            .get(app.url("/users/1"))
            .header("cookie", "sid=nope"),
    )
    .await;
    assert_eq!((s, b.get("email")), (200, None), "{b}");
    // Session and task answers are never stored.
    let (_, h, _) = send(app.client.get(app.url("/auth/me")).header("cookie", &sid)).await;
    assert_eq!(header(&h, "cache-control"), "no-store");
    let (_, h, _) = send(app.client.get(app.url("/tasks/nope")).bearer_auth(ADMIN)).await;
    assert_eq!(header(&h, "cache-control"), "no-store");
    app.stop().await;
}

/// A session alone cannot change its user's email (the account would be
/// the cookie thief's): `current_password` must come with it, and a wrong
/// one counts as a failed login. The admin token needs none.
#[tokio::test]
async fn changing_the_email_needs_the_current_password() {
    let app = TestApp::start().await;
    let sid = login(&app, ALICE.0, ALICE.1).await;
    let put = |body: serde_json::Value| {
        send(
            app.client
                .put(app.url("/users/1"))
                .header("cookie", &sid)
                .json(&body),
        )
    };
    let (s, _, b) = put(json!({"email": "thief@example.com"})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (403, Some("changing the email needs current_password"))
    );
    let (s, _, b) = put(json!({"email": "thief@example.com", "current_password": "a guess"})).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (403, Some("current_password is not the password"))
    );
    let (s, _, b) =
        put(json!({"email": "alice@wonderland.example", "current_password": ALICE.1})).await;
    assert_eq!(
        (s, b["email"].as_str()),
        (200, Some("alice@wonderland.example")),
        "{b}"
    );
    let (s, _, b) = put(json!({"name": "Alice L."})).await;
    assert_eq!(
        (s, b["name"].as_str()),
        (200, Some("Alice L.")),
        "a name needs no password"
    );
    let (s, _, b) = send(
        app.client
            .put(app.url("/users/1"))
            .bearer_auth(ADMIN)
            .json(&json!({"email": "alice@example.com"})),
    )
    .await;
    assert_eq!((s, b["email"].as_str()), (200, Some("alice@example.com")));
    app.stop().await;
}
