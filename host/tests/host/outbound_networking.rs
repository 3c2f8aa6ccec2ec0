//! The runtime config's outbound networking, as Spin 4.0.2 defines it:
//! - `[outbound_networking] block_networks`: with `"private"` (or a CIDR),
//!   a component whose `allowed_outbound_hosts` says `*` still cannot reach
//!   loopback, by IP or by a name that resolves there, over HTTP
//!   (`destination-IP-prohibited`), TCP (`access-denied`) or Redis. HTTP and
//!   TCP are checked on real Spin too; Redis on redspin-host only (Spin
//!   panics there instead of answering).
//! - `[[client_tls]]`: a component trusts the roots its entry names, for the
//!   hosts it names and no others (both hosts).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;
use redspin_host::runtime::Options;
use redspin_testsupport::receiver::Receiver;
use redspin_testsupport::tls::TestCa;
use redspin_testsupport::TestRedis;

fn manifest(redis_url: &str) -> String {
    format!(
        r#"
spin_manifest_version = 2
[application]
name = "blocked-probe"

[variables]
redis_url = {{ default = "{redis_url}" }}

[[trigger.http]]
route = "/probe/..."
component = "probe"

[component.probe]
source = "@PROBE_WASM@"
allowed_outbound_hosts = ["http://*:*", "redis://*:*", "tcp://127.0.0.1:*"]
[component.probe.variables]
redis_url = "{{{{ redis_url }}}}"
"#
    )
}

/// A runtime config blocking `networks`, beside the manifest.
fn blocking(dir: &Path, networks: &str) -> PathBuf {
    let file = dir.join("runtime-config.toml");
    let text = format!("[outbound_networking]\nblock_networks = [{networks}]\n");
    std::fs::write(&file, text).unwrap();
    file
}

fn options(dir: &Path, networks: &str) -> Options {
    Options {
        runtime_config_file: Some(blocking(dir, networks)),
        ..Options::default()
    }
}

fn prohibited(who: &str) -> serde_json::Value {
    if who.ends_with("wasip3") {
        serde_json::json!({ "error": "ErrorCode::DestinationIpProhibited" })
    } else {
        serde_json::json!({ "error": "Http(ErrorCode::DestinationIpProhibited)" })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_networks_refuse_what_a_wildcard_allows() {
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let port = receiver
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let greeter = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tcp = greeter.local_addr().unwrap();
    let redis = TestRedis::start();
    for probe in Probe::BOTH {
        // Allowed by the wildcard, nothing blocked: it goes through.
        on_both_hosts_with(
            probe,
            &manifest(redis.url()),
            Options::default(),
            &[],
            async |t| {
                let v = t
                    .json(&format!("/probe/http?url=http://127.0.0.1:{port}/"))
                    .await;
                assert_eq!(v["status"], 200, "{}: {v}", t.who);
            },
        )
        .await;
        let arrived = receiver.count();
        assert!(arrived > 0);
        for networks in ["\"private\"", "\"127.0.0.0/8\", \"::1/128\""] {
            let prepare = |dir: &Path| options(dir, networks);
            on_both_hosts_in(probe, &manifest(redis.url()), prepare, &[], async |t| {
                for host in ["127.0.0.1", "localhost"] {
                    let v = t
                        .json(&format!("/probe/http?url=http://{host}:{port}/"))
                        .await;
                    assert_eq!(v, prohibited(&t.who), "{}: {networks}: {host}", t.who);
                }
                let v = t.json(&format!("/probe/tcp?addr={tcp}")).await;
                assert_eq!(v["error"], "PermissionDenied", "{}: {networks}: {v}", t.who);
            })
            .await;
        }
        assert_eq!(receiver.count(), arrived, "a blocked request arrived");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_networks_refuse_redis_with_an_error() {
    let redis = TestRedis::start();
    let by_name = redis.url().replace("127.0.0.1", "localhost");
    let app = AppDir::new(&manifest(&by_name));
    let options = options(&app.dir, "\"private\"");
    let s = Served::start(app, options, &[]).await;
    let (status, body) = s.get("/probe/get?key=k").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("prohibited by runtime config"), "{body}");
    s.stop().await;
}

#[test]
fn a_bad_block_networks_entry_is_refused_at_load() {
    let app = AppDir::new(&manifest("redis://127.0.0.1:1"));
    let manifest = redspin_host::manifest::App::load(&app.manifest()).unwrap();
    let options = options(&app.dir, "\"10.0.0.1\"");
    let err = match redspin_host::runtime::Runtime::load(&manifest, options, |_| None) {
        Ok(_) => panic!("a bad block_networks entry loaded"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("[outbound_networking]"), "{err}");
    assert!(
        err.contains("expected an IP network in CIDR notation"),
        "{err}"
    );
}

/// An HTTPS server on 127.0.0.1 with `ca`'s server certificate, answering
/// every request 200.
async fn https_server(ca: &TestCa) -> u16 {
    let (cert, key) = ca.server_files();
    let chain = CertificateDer::pem_file_iter(&cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let mut head = [0u8; 4096];
                let _ = tls.read(&mut head).await;
                let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = tls.write_all(ok).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

const TLS_MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "tls-probe"

[[trigger.http]]
route = "/probe/..."
component = "probe"

[component.probe]
source = "@PROBE_WASM@"
allowed_outbound_hosts = ["https://localhost:*", "https://127.0.0.1:*"]
"#;

fn tls_failed(who: &str) -> serde_json::Value {
    if who.ends_with("wasip3") {
        serde_json::json!({ "error": "ErrorCode::TlsProtocolError" })
    } else {
        serde_json::json!({ "error": "Http(ErrorCode::TlsProtocolError)" })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_tls_trusts_the_roots_it_names_for_its_hosts() {
    let ca = TestCa::new();
    let port = https_server(&ca).await;
    let trusting = |dir: &Path| {
        let file = dir.join("runtime-config.toml");
        let text = format!(
            "[[client_tls]]\ncomponent_ids = [\"probe\"]\nhosts = [\"localhost\"]\nca_roots_file = {:?}\n",
            ca.ca_file().display().to_string()
        );
        std::fs::write(&file, text).unwrap();
        Options {
            runtime_config_file: Some(file),
            ..Options::default()
        }
    };
    let by_name = format!("/probe/http?url=https://localhost:{port}/");
    let by_ip = format!("/probe/http?url=https://127.0.0.1:{port}/");
    for probe in Probe::BOTH {
        // The default roots do not know this CA.
        on_both_hosts_with(probe, TLS_MANIFEST, Options::default(), &[], async |t| {
            assert_eq!(t.json(&by_name).await, tls_failed(&t.who), "{}", t.who);
        })
        .await;
        // Its entry trusts the CA for `localhost`, and only there.
        on_both_hosts_in(probe, TLS_MANIFEST, trusting, &[], async |t| {
            let v = t.json(&by_name).await;
            assert_eq!(v["status"], 200, "{}: {v}", t.who);
            assert_eq!(t.json(&by_ip).await, tls_failed(&t.who), "{}", t.who);
        })
        .await;
    }
}

#[test]
fn a_client_tls_file_that_does_not_load_is_refused_naming_it() {
    let app = AppDir::new(TLS_MANIFEST);
    let file = app.dir.join("rc.toml");
    std::fs::write(
        &file,
        "[[client_tls]]\ncomponent_ids = [\"probe\"]\nhosts = [\"localhost\"]\nca_roots_file = \"missing.pem\"\n",
    )
    .unwrap();
    let manifest = redspin_host::manifest::App::load(&app.manifest()).unwrap();
    let options = Options {
        runtime_config_file: Some(file),
        ..Options::default()
    };
    let err = match redspin_host::runtime::Runtime::load(&manifest, options, |_| None) {
        Ok(_) => panic!("a missing ca_roots_file loaded"),
        Err(e) => format!("{e:#}"),
    };
    let missing = app.dir.join("missing.pem");
    assert!(
        err.contains(&format!(
            "failed to load certificate(s) from '{}'",
            missing.display()
        )),
        "{err}"
    );
}
