//! The dashboard under attack, each test its attack's own client: a flood
//! of wrong tokens cannot lock the operator out (the right token always
//! signs in, wrong ones wait per address); a client that never finishes
//! its headers is disconnected; a Redis failure is reported without
//! Redis's own words.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

#[tokio::test]
async fn wrong_tokens_cannot_lock_the_right_one_out() {
    let d = Dash::start(Some(TOKEN)).await;
    let try_token = |token: &'static str| {
        let url = d.at("/login");
        async move {
            http()
                .post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(try_token("not-the-token").await.status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    let last = try_token("not-the-token").await;
    assert_eq!(last.status(), 429, "past the budget the address waits");
    let wait: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // From the very same address, the right token still signs in.
    let right = try_token(TOKEN).await;
    assert_eq!(right.status(), 303);
    assert!(right.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("redspin_dashboard="));
    d.stop().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_let_go() {
    let d = Dash::start_with_limits(
        Some(TOKEN),
        redspin_dashboard::server::Limits {
            header_read_timeout: Duration::from_millis(300),
            max_connections: 4,
        },
    )
    .await;
    let addr = d.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf))
        .await
        .expect("a connection with unfinished headers was kept open")
        .ok();
    // Four such clients do not lock out a fifth once they are let go.
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        stalled.push(c);
    }
    let page = tokio::time::timeout(Duration::from_secs(10), http().get(d.at("/login")).send())
        .await
        .expect("stalled clients held every slot")
        .unwrap();
    assert_eq!(page.status(), 200);
    d.stop().await;
}

#[tokio::test]
async fn a_redis_failure_is_reported_without_its_text() {
    let d = Dash::start(Some(TOKEN)).await;
    let cookie = d.sign_in().await;
    let mut c = redis::Client::open(d.redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    // Redis goes away (the reply never comes: the server is gone).
    let _ = redis::cmd("SHUTDOWN").arg("NOSAVE").query::<()>(&mut c);
    let (status, body) = d.get("/", &cookie).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("Redis is unavailable"), "{body}");
    for leak in ["refused", "os error", "127.0.0.1", "broken pipe"] {
        assert!(
            !body.to_lowercase().contains(leak),
            "Redis's own words reached the page ({leak}): {body}"
        );
    }
    let (status, json) = d.api("/api/overview", &cookie).await;
    assert_eq!(status, 503);
    assert_eq!(json["error"], "Redis is unavailable; try again shortly");
    d.stop().await;
}
