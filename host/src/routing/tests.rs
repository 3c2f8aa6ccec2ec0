use super::*;

fn router(routes: &[(&str, &str)]) -> Router {
    let routes: Vec<HttpRoute> = routes
        .iter()
        .map(|(r, c)| HttpRoute {
            route: Some(r.to_string()),
            component: c.to_string(),
        })
        .collect();
    Router::build(&routes).unwrap()
}

#[test]
fn routing_table() {
    let r = router(&[
        ("/", "root"),
        ("/...", "all"),
        ("/users/...", "users"),
        ("/users/:id", "user"),
        ("/users/me", "me"),
        ("/one/two/...", "two"),
        ("/one/...", "one"),
        ("/posts/:slug/comments/...", "comments"),
        ("/exact/", "exact"),
    ]);
    // (path, component, path info)
    let cases = [
        ("/", "root", ""),
        ("/anything/else", "all", "/anything/else"),
        ("/users", "users", ""),
        ("/users/", "users", "/"),
        ("/users/me", "me", ""),
        ("/users/42", "user", ""),
        ("/users/42/avatar", "users", "/42/avatar"),
        ("/one/two/three", "two", "/three"),
        ("/one/x", "one", "/x"),
        ("/posts/hello/comments/7/", "comments", "/7/"),
        ("/exact", "exact", ""),
    ];
    for (path, component, info) in cases {
        let m = r
            .route(path)
            .unwrap_or_else(|| panic!("{path} matched nothing"));
        assert_eq!(
            (m.component.as_str(), m.path_info.as_str()),
            (component, info),
            "{path}"
        );
    }
    assert_eq!(r.route("/users/42").unwrap().named["id"], "42");
    assert_eq!(
        r.route("/posts/hello/comments/").unwrap().named["slug"],
        "hello"
    );
}

#[test]
fn no_match_and_private_routes() {
    let routes = vec![
        HttpRoute {
            route: Some("/api/...".into()),
            component: "api".into(),
        },
        HttpRoute {
            route: None,
            component: "hidden".into(),
        },
    ];
    let r = Router::build(&routes).unwrap();
    assert!(r.route("/other").is_none());
    assert_eq!(
        r.routes(),
        vec![("/api/...".to_string(), "api".to_string())]
    );
}

#[test]
fn spin_headers_match_spin() {
    let r = router(&[("/foo/:userid/...", "c")]);
    let m = r.route("/foo/42/bar").unwrap();
    let h: BTreeMap<_, _> = m
        .spin_headers(
            "http",
            "example.com:3000",
            "/foo/42/bar?x=1",
            "127.0.0.1:8777".parse().unwrap(),
        )
        .into_iter()
        .collect();
    let want = [
        ("spin-full-url", "http://example.com:3000/foo/42/bar?x=1"),
        ("spin-path-info", "/bar"),
        ("spin-matched-route", "/foo/:userid/..."),
        ("spin-base-path", "/"),
        ("spin-raw-component-route", "/foo/:userid/..."),
        ("spin-component-route", "/foo/:userid"),
        ("spin-client-addr", "127.0.0.1:8777"),
        ("spin-path-match-userid", "42"),
    ];
    for (k, v) in want {
        assert_eq!(h.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(h.len(), want.len());
}
