//! Outbound connections a component may open, as Spin allows them:
//! TCP through `wasi:sockets` to what `allowed_outbound_hosts` grants with
//! the `tcp://` scheme (an address, a CIDR range, a port range, an entry
//! templated from a variable), HTTP requests to the app itself with
//! `http://self`; everything else refused with Spin's error. The checks run
//! on redspin-host and on real Spin.

use crate::common::*;
use redspin_host::runtime::Options;
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// A TCP server on `ip` that greets every connection with `hello`.
async fn greeter(ip: &str, hello: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(hello.as_bytes()).await;
        }
    });
    port
}

struct Ports {
    exact: u16,
    cidr: u16,
    range_start: u16,
    templated: u16,
    denied: u16,
}

fn manifest(p: &Ports) -> String {
    format!(
        r#"
spin_manifest_version = 2
[application]
name = "outbound-probe"

[variables]
tcp_target = {{ default = "127.0.0.1:{templated}" }}

[[trigger.http]]
route = "/probe/..."
component = "probe"

[[trigger.http]]
route = "/closed/..."
component = "closed"

[component.probe]
source = "@PROBE_WASM@"
allowed_outbound_hosts = [
  "tcp://127.0.0.1:{exact}",
  "tcp://127.0.0.0/24:{cidr}",
  "tcp://127.0.0.1:{range_start}..{range_end}",
  "tcp://{{{{ tcp_target }}}}",
  "http://self",
]

[component.closed]
source = "@PROBE_WASM@"
allowed_outbound_hosts = ["tcp://127.0.0.9:1"]
"#,
        exact = p.exact,
        cidr = p.cidr,
        range_start = p.range_start,
        range_end = p.range_start + 1,
        templated = p.templated,
    )
}

async fn get(base: &str, path: &str) -> serde_json::Value {
    let r = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn outbound_as_spin_allows_it(base: &str, p: &Ports, who: &str) {
    let read = |v: &serde_json::Value| v["read"].as_str().map(str::to_owned);
    // Allowed: an address, a CIDR range, the start of a port range, a
    // templated entry.
    for (addr, want) in [
        (format!("127.0.0.1:{}", p.exact), "exact"),
        (format!("127.0.0.2:{}", p.cidr), "cidr"),
        (format!("127.0.0.1:{}", p.range_start), "range"),
        (format!("127.0.0.1:{}", p.templated), "templated"),
    ] {
        let v = get(base, &format!("/probe/tcp?addr={addr}")).await;
        assert_eq!(read(&v).as_deref(), Some(want), "{who}: {addr}: {v}");
    }
    // Refused: a port past the range's end (exclusive, as in Spin), an
    // address outside the CIDR range, an address not listed, and any
    // address for a component that lists none of these.
    for path in [
        format!("/probe/tcp?addr=127.0.0.1:{}", p.range_start + 1),
        format!("/probe/tcp?addr=127.0.1.1:{}", p.cidr),
        format!("/probe/tcp?addr=127.0.0.1:{}", p.denied),
        format!("/closed/tcp?addr=127.0.0.1:{}", p.denied),
    ] {
        let v = get(base, &path).await;
        assert_eq!(v["error"], "PermissionDenied", "{who}: {path}: {v}");
    }

    // A request to the app itself: allowed with http://self, refused
    // without. From WASIp3 a URL with no authority cannot be sent at all
    // (wasmtime builds an absolute URI), so it takes `http://self.alt`;
    // real Spin 4.0.2 refuses even that from WASIp3 (its WASIp3 stores are
    // built without the app's origin): the one place the host answers
    // otherwise, on purpose.
    let p3 = who.ends_with("wasip3");
    let spin = who.starts_with("real Spin");
    let ok = json!({ "status": 200 });
    let invalid = json!({ "error": "ErrorCode::HttpRequestUriInvalid" });
    let denied = if p3 {
        json!({ "error": "ErrorCode::HttpRequestDenied" })
    } else {
        json!({ "error": "Http(ErrorCode::HttpRequestDenied)" })
    };
    let cases = [
        (
            "/probe/http?url=/probe/echo",
            if p3 { &invalid } else { &ok },
        ),
        (
            "/closed/http?url=/probe/echo",
            if p3 { &invalid } else { &denied },
        ),
        (
            "/probe/http?url=http://self.alt/probe/echo",
            if p3 && spin { &invalid } else { &ok },
        ),
        ("/closed/http?url=http://self.alt/probe/echo", &denied),
    ];
    for (path, want) in cases {
        assert_eq!(&get(base, path).await, want, "{who}: {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_and_self_requests_as_in_spin() {
    let exact = greeter("127.0.0.1", "exact").await;
    let templated = greeter("127.0.0.1", "templated").await;
    let denied = greeter("127.0.0.1", "denied").await;
    // The port after the range must be one no other entry allows.
    let range_start = loop {
        let p = greeter("127.0.0.1", "range").await;
        if ![exact, templated].contains(&(p + 1)) {
            break p;
        }
    };
    let ports = Ports {
        exact,
        cidr: greeter("127.0.0.2", "cidr").await,
        range_start,
        templated,
        denied,
    };
    on_both_hosts(&manifest(&ports), Options::default(), &[], async |t| {
        outbound_as_spin_allows_it(&t.base, &ports, &t.who).await
    })
    .await;
}
