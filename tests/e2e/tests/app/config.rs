//! Settings that do not parse fail loudly: every request to a component
//! that reads one answers 500 naming the variable, never a quiet default.

use crate::common::{send, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_variable_is_a_500_naming_it() {
    let app =
        TestApp::start_with(&[("key_prefix", "not a prefix"), ("page_ttl_secs", "10m")]).await;
    for path in ["/users/1", "/auth/me", "/tasks/x"] {
        let (s, _, b) = send(app.client.get(app.url(path))).await;
        let error = b["error"].as_str().unwrap_or_default();
        assert_eq!(s, 500, "{path}: {b}");
        assert!(
            error.starts_with("configuration: key_prefix "),
            "{path}: {error}"
        );
        assert!(
            !error.contains("not a prefix"),
            "the value is not echoed: {error}"
        );
    }
    // The posts component reads page_ttl_secs too; the first bad one is named.
    let (s, _, b) = send(app.client.get(app.url("/posts/hello-world"))).await;
    assert_eq!(s, 500, "{b}");
    assert!(
        b["error"].as_str().unwrap().starts_with("configuration: "),
        "{b}"
    );
    app.stop().await;

    let app = TestApp::start_with(&[("cookie_secure", "yes")]).await;
    let (s, _, b) = send(app.client.get(app.url("/auth/me"))).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            500,
            Some("configuration: cookie_secure is neither true nor false")
        )
    );
    // A component that does not read the variable is unaffected.
    let (s, _, _) = send(app.client.get(app.url("/posts/hello-world"))).await;
    assert_eq!(s, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_token_under_32_characters_disables_admin_access() {
    let short = "only-twenty-chars-xx";
    let app = TestApp::start_with(&[("admin_token", short)]).await;
    let (s, _, b) = send(
        app.client
            .put(app.url("/users/2"))
            .bearer_auth(short)
            .json(&serde_json::json!({"name": "Mallory"})),
    )
    .await;
    assert_eq!(s, 401, "{b}");
    let (s, _, b) = send(app.client.get(app.url("/tasks/x")).bearer_auth(short)).await;
    assert_eq!(s, 401, "{b}");
    // Everything else still works.
    let (s, _, _) = send(app.client.get(app.url("/users/2"))).await;
    assert_eq!(s, 200);
    app.stop().await;
}

/// spin4.toml is spin.toml built with the other SDK: the same routes,
/// variables and component settings; only the components' sources and
/// build commands differ.
#[test]
fn both_manifests_describe_one_app() {
    let load = |file: &str| {
        let text = std::fs::read_to_string(crate::common::root().join(file)).unwrap();
        let mut app: toml::Table = text.parse().unwrap();
        let components = app["component"].as_table_mut().unwrap();
        for (_, c) in components.iter_mut() {
            let c = c.as_table_mut().unwrap();
            assert!(c.remove("source").is_some() && c.remove("build").is_some());
        }
        app
    };
    assert_eq!(load("spin.toml"), load("spin4.toml"));
}
