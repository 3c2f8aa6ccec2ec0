//! The server's own defences (redspin-host only: Spin has neither): a
//! client that does not finish its request headers in time is
//! disconnected, and connections beyond the cap wait until one closes.

use std::time::Duration;

use crate::common::*;
use redspin_host::runtime::Options;
use redspin_host::server::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
async fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
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
