//! The probe component through the real host: routing and Spin headers,
//! each Redis call, variables, outbound rules, traps, time and body
//! limits, connection pooling.
//!
//! Where Spin defines the behaviour the same checks run on real Spin too
//! ([`on_both_hosts`]). On redspin-host alone: the time limit on a guest
//! and the body limit (Spin has neither), connection pooling (an
//! implementation choice; Spin opens a connection per `open`), and the
//! host's own answers to a slow or crowded client (`server_limits.rs`).
//! SQLite's interface is in `sqlite.rs`.

use std::time::Duration;

use crate::common::*;
use redspin_host::runtime::Options;
use redspin_testsupport::TestRedis;

pub(crate) fn manifest(redis_url: &str, extra_hosts: &str) -> String {
    format!(
        r#"
spin_manifest_version = 2
[application]
name = "probe-app"

[variables]
redis_url = {{ default = "{redis_url}" }}
greeting = {{ default = "hello" }}
token = {{ required = true, secret = true }}

[[trigger.http]]
route = "/probe/..."
component = "probe"

[[trigger.http]]
route = "/items/:item_id/..."
component = "probe"

[[trigger.http]]
route = "/bare/..."
component = "bare"

[[trigger.http]]
route = {{ private = true }}
component = "bare"

[component.probe]
source = "@PROBE_WASM@"
allowed_outbound_hosts = ["{{{{ redis_url }}}}"{extra_hosts}]
sqlite_databases = ["default"]
environment = {{ PROBE_ENV = "from-manifest" }}
[component.probe.variables]
redis_url = "{{{{ redis_url }}}}"
msg = "{{{{ greeting }}}} world"
secret = "{{{{ token }}}}"

[component.bare]
source = "@PROBE_WASM@"
"#
    )
}

pub(crate) const VARS: [(&str, &str); 2] = [
    ("SPIN_VARIABLE_TOKEN", "t0ken"),
    ("SPIN_VARIABLE_GREETING", "hi"),
];

async fn serve(redis: &TestRedis, extra_hosts: &str, options: Options) -> Served {
    let app = AppDir::new(&manifest(redis.url(), extra_hosts));
    Served::start(app, options, &VARS).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_and_spin_headers() {
    let redis = TestRedis::start();
    let m = manifest(redis.url(), "");
    on_both_hosts(&m, Options::default(), &VARS, async |s| {
        let who = &s.who;
        let h = s.json("/probe/headers?x=1").await;
        let port = s.base.rsplit(':').next().unwrap().to_owned();
        let want = [
            (
                "spin-full-url",
                format!("http://127.0.0.1:{port}/probe/headers?x=1"),
            ),
            ("spin-path-info", "/headers".into()),
            ("spin-matched-route", "/probe/...".into()),
            ("spin-base-path", "/".into()),
            ("spin-raw-component-route", "/probe/...".into()),
            ("spin-component-route", "/probe".into()),
        ];
        for (k, v) in want {
            assert_eq!(h[k], v.as_str(), "{who}: {k}");
        }
        assert!(h["spin-client-addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:"));
        let h = s.json("/items/42/headers").await;
        assert_eq!(h["spin-path-match-item-id"], "42", "{who}");
        assert_eq!(h["spin-matched-route"], "/items/:item_id/...", "{who}");
        // The host's own answers: an empty 404, the well-known endpoints
        // before any route, an empty 500 for a trap.
        assert_eq!(s.get("/nowhere").await, (404, String::new()), "{who}");
        assert_eq!(
            s.get("/.well-known/spin/health").await,
            (200, "OK".into()),
            "{who}"
        );
        let info = s.json("/.well-known/spin/info").await;
        assert_eq!(info["name"], "probe-app", "{who}: {info}");
        assert_eq!(
            s.get("/.well-known/spin/other").await,
            (404, String::new()),
            "{who}"
        );
        assert_eq!(s.get("/probe/trap").await, (500, String::new()), "{who}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_redis_call_with_spin_reply_mapping() {
    let redis = TestRedis::start();
    let m = manifest(redis.url(), "");
    on_both_hosts(&m, Options::default(), &VARS, async |s| {
    let r = s
        .json(&format!("/probe/redis?prefix={}", redis.prefix))
        .await;
    let want = [
        ("set", "Ok(())"),
        ("get", "Ok(Some(\"v1\"))"),
        ("get_missing", "Ok(None)"),
        ("incr", "Ok(1)"),
        ("sadd", "Ok(2)"),
        ("smembers", "Ok([\"a\", \"b\"])"),
        ("srem", "Ok(1)"),
        ("publish", "Ok(())"),
        (
            "execute_nested",
            "Ok([RedisResult::Int64(1), RedisResult::Binary([116, 119, 111]), RedisResult::Int64(3), RedisResult::Nil])",
        ),
        ("execute_status", "Ok([RedisResult::Status(\"PONG\")])"),
        ("del", "Ok(3)"),
    ];
    for (k, v) in want {
        assert_eq!(r[k], v, "{}: {k}", s.who);
    }
    assert!(
        r["incr_wrong_type"]
            .as_str()
            .unwrap()
            .starts_with("Err(Error::Other("),
        "{}",
        r["incr_wrong_type"]
    );
    assert!(r["execute_error"]
        .as_str()
        .unwrap()
        .contains("unknown command"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_addresses_outside_the_manifest_are_refused_and_down_redis_errors_fast() {
    let mut redis = TestRedis::start();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = format!("redis://127.0.0.1:{free}");
    let m = manifest(redis.url(), &format!(", \"{down}\""));
    let port = redis.url().rsplit(':').next().unwrap().to_owned();
    on_both_hosts(&m, Options::default(), &VARS, async |s| {
        // Not in allowed_outbound_hosts: refused before any connection.
        let other = format!("redis://127.0.0.2:{port}")
            .replace(':', "%3A")
            .replace('/', "%2F");
        assert_eq!(
            s.json(&format!("/probe/redis?address={other}")).await["open_error"],
            "Error::InvalidAddress",
            "{}",
            s.who
        );
        // Allowed, but nothing listens there: an error, quickly, not a hang.
        let started = std::time::Instant::now();
        let r = s
            .json(&format!(
                "/probe/redis?address={}",
                down.replace(':', "%3A").replace('/', "%2F")
            ))
            .await;
        assert!(
            r["open_error"]
                .as_str()
                .unwrap()
                .starts_with("Error::Other("),
            "{r}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{}", s.who);
    })
    .await;

    // Redis going away under a pooled connection: an error, then recovery.
    let s = serve(&redis, "", Options::default()).await;
    assert_eq!(s.json("/probe/redis").await["set"], "Ok(())");
    redis.stop();
    let r = s.json("/probe/redis").await;
    assert!(
        r["set"].as_str().unwrap().starts_with("Err(Error::Other("),
        "{r}"
    );
    redis.restart();
    redspin_testsupport::eventually(
        Duration::from_secs(20),
        "redis calls to work again",
        || async { (s.json("/probe/redis").await["set"] == "Ok(())").then_some(()) },
    )
    .await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_connections_are_pooled_across_requests() {
    let redis = TestRedis::start();
    let s = serve(&redis, "", Options::default()).await;
    for _ in 0..20 {
        assert_eq!(s.json("/probe/redis").await["set"], "Ok(())");
    }
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut conn)
        .await
        .unwrap();
    // One pooled connection from the host, plus this one.
    assert_eq!(list.lines().count(), 2, "{list}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_from_defaults_and_env_with_spin_errors() {
    let redis = TestRedis::start();
    let m = manifest(redis.url(), "");
    on_both_hosts(&m, Options::default(), &VARS, async |s| {
        assert_eq!(s.json("/probe/vars?name=msg").await["value"], "hi world");
        assert_eq!(s.json("/probe/vars?name=secret").await["value"], "t0ken");
        assert_eq!(
            s.json("/probe/vars?name=nope").await["error"],
            "Error::Undefined(\"no variable for \\\"probe\\\".\\\"nope\\\"\")"
        );
        assert!(s.json("/probe/vars?name=Bad").await["error"]
            .as_str()
            .unwrap()
            .starts_with("Error::InvalidName("));
        assert!(s.json("/bare/vars?name=msg").await["error"]
            .as_str()
            .unwrap()
            .starts_with("Error::Undefined("));
        assert_eq!(
            s.json("/probe/env?name=PROBE_ENV").await["value"],
            "from-manifest"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_http_is_limited_to_allowed_hosts() {
    let redis = TestRedis::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let app = axum_like_ok();
        let _ = app(listener).await;
    });
    let m = manifest(redis.url(), &format!(", \"http://127.0.0.1:{port}\""));
    on_both_hosts(&m, Options::default(), &VARS, async |s| {
        let ok = s
            .json(&format!(
                "/probe/http?url=http%3A%2F%2F127.0.0.1%3A{port}%2F"
            ))
            .await;
        assert_eq!(ok["status"], 200, "{ok}");
        let denied = s
            .json("/probe/http?url=http%3A%2F%2F127.0.0.1%3A9%2F")
            .await;
        assert!(
            denied["error"]
                .as_str()
                .unwrap()
                .contains("HttpRequestDenied"),
            "{denied}"
        );
        let bare = s
            .json(&format!(
                "/bare/http?url=http%3A%2F%2F127.0.0.1%3A{port}%2F"
            ))
            .await;
        assert!(
            bare["error"]
                .as_str()
                .unwrap()
                .contains("HttpRequestDenied"),
            "{bare}"
        );
    })
    .await;
}

/// A minimal HTTP server answering 200 to everything.
fn axum_like_ok() -> impl FnOnce(
    tokio::net::TcpListener,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    |listener| {
        Box::pin(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                });
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traps_and_runaway_guests_give_500_and_the_host_keeps_serving() {
    let redis = TestRedis::start();
    let options = Options {
        request_timeout: Duration::from_millis(500),
        ..Options::default()
    };
    let s = serve(&redis, "", options).await;
    assert_eq!(s.get("/probe/trap").await.0, 500);
    assert_eq!(s.json("/probe/echo").await["len"], 0);
    let started = std::time::Instant::now();
    assert_eq!(s.get("/probe/spin").await.0, 500);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the time limit stops a busy loop"
    );
    assert_eq!(s.json("/probe/echo").await["method"], "GET");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_are_limited() {
    let redis = TestRedis::start();
    let options = Options {
        max_body_bytes: 1024,
        ..Options::default()
    };
    let s = serve(&redis, "", options).await;
    let client = reqwest::Client::new();
    let ok = client
        .post(format!("{}/probe/echo", s.base))
        .body(vec![b'x'; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<serde_json::Value>().await.unwrap()["len"], 1000);
    let big = client
        .post(format!("{}/probe/echo", s.base))
        .body(vec![b'x'; 5000])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    // Without a content-length (chunked), the limit still holds.
    let stream =
        futures::stream::iter([vec![b'y'; 800], vec![b'y'; 800]].map(Ok::<_, std::io::Error>));
    let chunked = client
        .post(format!("{}/probe/echo", s.base))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 413);
    s.stop().await;
}
