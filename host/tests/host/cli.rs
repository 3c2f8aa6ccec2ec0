//! The `redspin-host` binary: manifest errors, `build`, `up` and its
//! graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

fn host() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redspin-host"))
}

const HEAD: &str = "spin_manifest_version = 2\n[application]\nname = \"t\"\n";

#[test]
fn manifest_errors_name_the_place() {
    let cases = [
        (
            "[[trigger.http]]\nroute = \"/\"\ncomponent = \"ghost\"\n",
            "[[trigger.http]] #1: component \"ghost\" is not defined",
        ),
        (
            "[[trigger.http]]\nroute = \"/a\"\ncomponent = \"x\"\n[[trigger.http]]\nroute = \"/a\"\ncomponent = \"x\"\n[component.x]\nsource = \"@PROBE_WASM@\"\n",
            "duplicate route \"/a\"",
        ),
        (
            "[[trigger.http]]\nroute = \"/\"\ncomponent = \"x\"\n[component.x]\nsource = \"missing.wasm\"\n",
            "[component.x] source",
        ),
        (
            "[variables]\ntoken = { required = true }\n[[trigger.http]]\nroute = \"/\"\ncomponent = \"x\"\n[component.x]\nsource = \"@PROBE_WASM@\"\n",
            "variable \"token\" is required but has no value: set SPIN_VARIABLE_TOKEN",
        ),
    ];
    for (body, want) in cases {
        let app = AppDir::new(&format!("{HEAD}{body}"));
        let out = host()
            .args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(app.manifest())
            .env_remove("SPIN_VARIABLE_TOKEN")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{body}");
        assert!(err.contains(want), "{body}\n=> {err}");
        assert!(err.contains("spin.toml"), "the file is named: {err}");
    }
}

#[test]
fn settings_that_do_not_parse_stop_start_up_naming_them() {
    let app = AppDir::new(&format!(
        "{HEAD}[[trigger.http]]\nroute = \"/\"\ncomponent = \"x\"\n[component.x]\nsource = \"@PROBE_WASM@\"\n"
    ));
    let rc = app.dir.join("rc.toml");
    std::fs::write(&rc, "[key_value_store.x]\ntype = \"memcached\"\n").unwrap();
    let cases: [(&[&str], Option<&str>, &str); 2] = [
        (
            &[],
            Some("info,[{"),
            "RUST_LOG=\"info,[{\" is not a valid log filter",
        ),
        (
            &["--runtime-config-file", rc.to_str().unwrap()],
            None,
            "[key_value_store.x]: unknown store type \"memcached\"",
        ),
    ];
    for (args, rust_log, want) in cases {
        let mut cmd = host();
        cmd.args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(app.manifest())
            .args(args)
            .env_remove("RUST_LOG");
        if let Some(v) = rust_log {
            cmd.env("RUST_LOG", v);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} {rust_log:?}");
        assert!(err.contains(want), "{args:?} {rust_log:?}\n=> {err}");
    }
}

#[test]
fn build_runs_each_command_in_its_workdir() {
    let app = AppDir::new(&format!(
        "{HEAD}[component.a]\nsource = \"a.wasm\"\n[component.a.build]\ncommand = \"echo built > marker.txt\"\nworkdir = \"sub\"\n[component.b]\nsource = \"b.wasm\"\n[component.b.build]\ncommand = [\"echo one > b.txt\", \"echo two >> b.txt\"]\n"
    ));
    std::fs::create_dir_all(app.dir.join("sub")).unwrap();
    let out = host()
        .args(["build", "-f"])
        .arg(app.manifest())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(app.dir.join("sub/marker.txt")).unwrap(),
        "built\n"
    );
    assert_eq!(
        std::fs::read_to_string(app.dir.join("b.txt")).unwrap(),
        "one\ntwo\n"
    );
    // -c selects components; a failing command fails the build.
    std::fs::write(app.dir.join("b.txt"), "").unwrap();
    let out = host()
        .args(["build", "-c", "a", "-f"])
        .arg(app.manifest())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(app.dir.join("b.txt")).unwrap(), "");
    let bad = AppDir::new(&format!(
        "{HEAD}[component.a]\nsource = \"a.wasm\"\n[component.a.build]\ncommand = \"exit 3\"\n"
    ));
    let out = host()
        .args(["build", "-f"])
        .arg(bad.manifest())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Build command for component a failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_and_sigterm_lets_in_flight_requests_finish() {
    // The guest calls this listener back once it is running.
    let notify = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_port = notify.local_addr().unwrap().port();
    let app = AppDir::new(&format!(
        "{HEAD}[[trigger.http]]\nroute = \"/...\"\ncomponent = \"probe\"\n[component.probe]\nsource = \"@PROBE_WASM@\"\nallowed_outbound_hosts = [\"http://127.0.0.1:{notify_port}\"]\n"
    ));
    let mut child = host()
        .args([
            "up",
            "--listen",
            "127.0.0.1:0",
            "--request-timeout-ms",
            "1500",
            "-f",
        ])
        .arg(app.manifest())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("Serving ")
        .expect("the banner names the address")
        .to_owned();
    assert_eq!(lines.next().unwrap().unwrap(), "Available Routes:");
    assert_eq!(
        lines.next().unwrap().unwrap(),
        format!("  probe: {base} (wildcard)")
    );
    assert_eq!(
        reqwest::get(format!("{base}/echo")).await.unwrap().status(),
        200
    );

    // A request still running (a busy guest, cut at 1.5 s) when SIGTERM comes.
    let slow = tokio::spawn(reqwest::get(format!(
        "{base}/notify-spin?url=http%3A%2F%2F127.0.0.1%3A{notify_port}%2F"
    )));
    let (called_back, _) = tokio::time::timeout(Duration::from_secs(20), notify.accept())
        .await
        .expect("the guest starts")
        .unwrap();
    drop(called_back);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let resp = slow
        .await
        .unwrap()
        .expect("the in-flight request gets its answer");
    assert_eq!(resp.status(), 500);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        reqwest::get(format!("{base}/echo")).await.is_err(),
        "no longer listening"
    );
}

/// `rediss://` works as in Spin: the server's certificate is checked against
/// the system's trust store (here a test CA given as `SSL_CERT_FILE`), and
/// refused when nothing vouches for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_over_tls_checks_the_certificate() {
    let tls = redspin_testsupport::tls::TlsRedis::start();
    let app = AppDir::new(&format!(
        "{HEAD}[[trigger.http]]\nroute = \"/...\"\ncomponent = \"probe\"\n[component.probe]\nsource = \"@PROBE_WASM@\"\nallowed_outbound_hosts = [\"{url}\"]\n[component.probe.variables]\nredis_url = \"{url}\"\n",
        url = tls.url()
    ));
    // Serves the app with the given trust store and runs the probe's Redis calls.
    let probe = |trust: std::path::PathBuf| {
        let mut cmd = host();
        cmd.args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(app.manifest())
            .env("SSL_CERT_FILE", trust);
        async move {
            let (_host, base) =
                redspin_testsupport::bench::spawn_server(&mut cmd).expect("the host starts");
            let r: serde_json::Value = reqwest::get(format!("{base}/redis?prefix=tls"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r
        }
    };

    let r = probe(tls.ca_file()).await;
    assert_eq!(r["set"], "Ok(())", "{r}");
    assert_eq!(r["get"], "Ok(Some(\"v1\"))", "{r}");

    // An empty trust store: nothing vouches for the test CA.
    let r = probe("/dev/null".into()).await;
    let failed =
        r.get("open_error").is_some() || r["set"].as_str().is_some_and(|s| s.starts_with("Err"));
    assert!(failed, "an unknown certificate is refused: {r}");
}
