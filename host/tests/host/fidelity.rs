//! What a component sees when Redis fails, pinned to the words real Spin
//! 4.0.2 uses (redis-rs 0.32 under `other(message)`), and checked against
//! both redspin-host and, when a Spin CLI is found, real Spin: the same
//! probe, the same private Redis, the same expected strings.

use crate::common::*;
use redspin_host::runtime::Options;
use redspin_testsupport::TestRedis;
use serde_json::{json, Value};

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// What Spin 4.0.2 answers, read off a run of the probe under it.
fn expected() -> Value {
    let signalled = "other: An error was signalled by the server";
    json!({
        "open_refused": { "Err": "other: Connection refused (os error 111)" },
        "noscript": { "Err": format!("{signalled} - NoScriptError: No matching script. Please use EVAL.") },
        "unknown_command": { "Err": format!("{signalled} - ResponseError: unknown command 'NOSUCHCOMMAND', with args beginning with: ") },
        "set": { "Ok": "[RedisResult::Status(\"OK\")]" },
        "wrong_type": { "Err": "other: WRONGTYPE: Operation against a key holding the wrong kind of value" },
        "extension_code": { "Err": "other: MYCODE: my detail" },
        "script_error": { "Err": format!("{signalled} - ResponseError: value is not an integer or out of range script: 61636018f4e6b5817b89791bbed242f93fa089e3, on @user_script:1.") },
    })
}

fn query(redis: &TestRedis) -> String {
    format!(
        "/probe/redis-errors?prefix={}&closed=redis://127.0.0.1:{}",
        redis.prefix,
        closed_port()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_failures_read_as_under_spin() {
    let redis = TestRedis::start();
    let manifest = redis_probe_manifest(redis.url());
    on_both_hosts_with(Probe::P2, &manifest, Options::default(), &[], async |t| {
        assert_eq!(t.json(&query(&redis)).await, expected(), "{}", t.who);
    })
    .await;
}

/// A Redis that accepts and never answers. Spin 4.0.2 sets no Redis
/// timeouts and waits for ever; the host gives up within seconds, in the
/// words redis-rs 0.32 uses for an elapsed timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_redis_times_out() {
    let redis = TestRedis::start();
    let app = AppDir::new(&redis_probe_manifest(redis.url()));
    let served = Served::start(app, Options::default(), &[]).await;
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let path = format!(
        "/probe/redis-errors?closed=redis://{}",
        silent.local_addr().unwrap()
    );
    let host = served.json(&path).await;
    assert_eq!(host["open_refused"], json!({ "Err": "other: timed out" }));
    served.stop().await;
}
