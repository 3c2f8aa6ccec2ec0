//! The server's own defences against hostile clients (redspin-host only:
//! Spin has none of them), each test its attack's own client: a client
//! that does not finish its request headers in time is disconnected;
//! connections beyond the cap wait until one closes; a body that trickles
//! or stops is answered 408 and let go, so trickling clients cannot hold
//! every slot; a client that stops reading its response loses the request
//! at its deadline, and the guest's SQLite transaction is rolled back.

use std::time::Duration;

use crate::common::*;
use redspin_host::runtime::Options;
use redspin_host::server::Limits;
use redspin_testsupport::eventually;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "limits"
[[trigger.http]]
route = "/probe/..."
component = "probe"
[component.probe]
source = "@PROBE_WASM@"
"#;

fn addr(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Reads until the peer closes; the bytes read.
async fn read_to_close(s: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_slow_to_send_its_headers_is_disconnected() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let s = Served::start_with(AppDir::new(MANIFEST), Options::default(), &[], limits).await;
    let mut slow = TcpStream::connect(addr(&s.base)).await.unwrap();
    slow.write_all(b"GET /probe/echo HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // Never finishes its headers: the server hangs up (well before the
    // 10 s this waits at most).
    tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut slow))
        .await
        .expect("the server kept a connection with unfinished headers open");
    // An idle keep-alive connection is closed the same way, and a prompt
    // client is served.
    let mut idle = TcpStream::connect(addr(&s.base)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut idle))
        .await
        .expect("the server kept an idle connection open");
    assert_eq!(s.get("/probe/echo").await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_one_to_close() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 2,
    };
    let s = Served::start_with(AppDir::new(MANIFEST), Options::default(), &[], limits).await;
    let first = TcpStream::connect(addr(&s.base)).await.unwrap();
    let _second = TcpStream::connect(addr(&s.base)).await.unwrap();
    let mut third = TcpStream::connect(addr(&s.base)).await.unwrap();
    third
        .write_all(b"GET /probe/echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    // Two connections are open: the third is not served...
    assert!(
        tokio::time::timeout(Duration::from_millis(500), third.read_exact(&mut head))
            .await
            .is_err(),
        "a connection past the cap was served"
    );
    // ...until one of them closes.
    drop(first);
    tokio::time::timeout(Duration::from_secs(10), third.read_exact(&mut head))
        .await
        .expect("the waiting connection was never served")
        .unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    s.stop().await;
}

/// Connects and sends a POST's headers declaring `declared` body bytes,
/// then `first` of them.
async fn post_slowly(base: &str, declared: usize, first: &[u8]) -> TcpStream {
    let mut c = TcpStream::connect(addr(base)).await.unwrap();
    let head =
        format!("POST /probe/echo HTTP/1.1\r\nhost: x\r\ncontent-length: {declared}\r\n\r\n");
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(first).await.unwrap();
    c
}

/// Sends the rest of a body a byte every 100 ms (a read never waits long,
/// the whole body takes minutes) until the server hangs up; returns what
/// the server answered.
async fn trickle(c: TcpStream) -> Vec<u8> {
    let (mut r, mut w) = c.into_split();
    let sender = tokio::spawn(async move {
        while w.write_all(b"x").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let answer = read_to_close(&mut r).await;
    sender.abort();
    answer
}

fn status_line(answer: &[u8]) -> String {
    String::from_utf8_lossy(answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_is_cut_off_at_the_body_deadline() {
    let options = Options {
        body_timeout: Duration::from_secs(1),
        ..Options::default()
    };
    let s = Served::start(AppDir::new(MANIFEST), options, &[]).await;
    let c = post_slowly(&s.base, 10_000, b"x").await;
    let answer = tokio::time::timeout(Duration::from_secs(10), trickle(c))
        .await
        .expect("a body arriving a byte at a time was never cut off");
    assert_eq!(status_line(&answer), "HTTP/1.1 408 Request Timeout");
    assert!(
        answer.ends_with(b"\r\n\r\n"),
        "an empty body, as Spin's own answers"
    );
    assert_eq!(s.get("/probe/echo").await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_is_cut_off_at_the_read_timeout() {
    let options = Options {
        body_read_timeout: Duration::from_millis(300),
        ..Options::default()
    };
    let s = Served::start(AppDir::new(MANIFEST), options, &[]).await;
    // Ten bytes of a hundred, then nothing (the whole-body limit is 30 s).
    let mut c = post_slowly(&s.base, 100, b"0123456789").await;
    let answer = tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut c))
        .await
        .expect("a body that stopped half-way held its connection");
    assert_eq!(status_line(&answer), "HTTP/1.1 408 Request Timeout");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickling_clients_cannot_hold_every_slot() {
    let options = Options {
        body_timeout: Duration::from_secs(1),
        ..Options::default()
    };
    let limits = Limits {
        max_connections: 4,
        ..Limits::default()
    };
    let s = Served::start_with(AppDir::new(MANIFEST), options, &[], limits).await;
    // Connected first, so accepted first: they take every slot.
    let mut tricklers = Vec::new();
    for _ in 0..4 {
        let c = post_slowly(&s.base, 10_000, b"x").await;
        tricklers.push(tokio::spawn(trickle(c)));
    }
    let health = tokio::time::timeout(Duration::from_secs(10), s.get("/.well-known/spin/health"))
        .await
        .expect("trickling clients locked everyone else out");
    assert_eq!(health, (200, "OK".to_owned()));
    for t in tricklers {
        let answer = t.await.unwrap();
        assert_eq!(status_line(&answer), "HTTP/1.1 408 Request Timeout");
    }
    s.stop().await;
}

const HOLD_MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "hold"
[[trigger.http]]
route = "/probe/..."
component = "probe"
[component.probe]
source = "@PROBE_WASM@"
sqlite_databases = ["default"]
"#;

/// The first result of `statement` run by the WASIp3 probe (its rows, or
/// its error), or `None` when the request itself failed (a guest waiting on
/// a lock past its time limit).
async fn sql_one(s: &Served, statement: &str) -> Option<serde_json::Value> {
    let q = percent_encode(statement);
    let (status, body) = s.get(&format!("/probe/sql?s0={q}")).await;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    (status == 200).then(|| v["results"][0].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_loses_its_guest_at_the_deadline() {
    let options = Options {
        request_timeout: Duration::from_millis(1500),
        ..Options::default()
    };
    let app = AppDir::with_probe(HOLD_MANIFEST, Probe::P3);
    let s = Served::start(app, options, &[]).await;
    let created = sql_one(&s, "CREATE TABLE held (at TEXT)").await;
    assert!(created.is_some_and(|r| r.get("error").is_none()));

    // The guest begins a write transaction, then streams 512 MiB that it
    // commits after; this client reads the status line and no more.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket
        .connect(addr(&s.base).parse().unwrap())
        .await
        .unwrap();
    stalled
        .write_all(b"GET /probe/hold?n=8192 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    stalled.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");

    // Past the request's deadline the guest is dropped, its transaction
    // rolled back: another request can write. (Before, the guest waited on
    // the stalled client for ever, and with it the database's write lock.)
    eventually(
        Duration::from_secs(30),
        "the stalled request's transaction to let go of the database",
        || async {
            let r = sql_one(&s, "INSERT INTO held (at) VALUES ('other')").await?;
            r.get("error").is_none().then_some(())
        },
    )
    .await;
    let streamed = sql_one(&s, "SELECT count(*) FROM held WHERE at = 'stream'").await;
    let streamed = streamed.expect("the count answers");
    assert_eq!(
        streamed["rows"][0], "[Value::Integer(0)]",
        "rolled back: {streamed}"
    );
    tokio::time::timeout(Duration::from_secs(10), read_to_close(&mut stalled))
        .await
        .expect("the stalled connection was kept open");
    s.stop().await;
}
