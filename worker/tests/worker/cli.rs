//! The `redspin-worker` command line: enqueue, status, stats, dead.

use std::process::Command;

use crate::common::*;
use redspin_testsupport::TestRedis;
use redspin_worker::Registry;

#[tokio::test]
async fn enqueue_status_stats_and_dead_commands() {
    let redis = TestRedis::start();
    let (ok, id, _) = cli(
        &redis,
        &[
            "enqueue",
            "--type",
            "nobody",
            "--payload",
            "{\"a\":1}",
            "--queue",
            "mail",
        ],
    );
    assert!(ok);
    let id = id.trim().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    let (ok, _, _) = cli(
        &redis,
        &[
            "enqueue",
            "--type",
            "noop",
            "--payload",
            "null",
            "--delay-ms",
            "600000",
        ],
    );
    assert!(ok);

    let (ok, out, _) = cli(&redis, &["status", &id, "--queue", "mail"]);
    assert!(ok);
    let status: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["state"], "queued");

    let (ok, out, _) = cli(&redis, &["stats", "--json"]);
    assert!(ok);
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    let by_name = |n: &str| {
        stats
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["queue"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_name("mail")["ready"], 1);
    assert_eq!(by_name("default")["scheduled"], 1);

    // A worker on "mail" sends the unhandled job to the dead set.
    let w = TestWorker::start(
        redspin_worker::WorkerConfig {
            queues: vec!["mail".into()],
            ..config(&redis)
        },
        Registry::with_builtins(),
    );
    let client = client(&redis).await;
    wait_dead(&client, "mail", 1).await;
    w.stop().await;
    let (ok, out, _) = cli(&redis, &["dead", "list", "--queue", "mail", "--json"]);
    assert!(ok);
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(line["job"]["id"], id.as_str());
    let (ok, out, _) = cli(&redis, &["dead", "retry", "--queue", "mail", "--id", &id]);
    assert!(ok && out.starts_with("1 job(s)"), "{out}");
    assert_eq!(client.stats("mail").await.unwrap().ready, 1);
    let (ok, out, _) = cli(&redis, &["dead", "purge", "--queue", "mail", "--all"]);
    assert!(ok && out.starts_with("0 job(s)"), "{out}");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message() {
    let redis = TestRedis::start();
    let cases: [(&[&str], &str); 7] = [
        (
            &["enqueue", "--type", "t", "--payload", "{nope"],
            "--payload is not valid JSON",
        ),
        (
            &["enqueue", "--type", "has space", "--payload", "1"],
            "type must be",
        ),
        (
            &[
                "enqueue",
                "--type",
                "t",
                "--payload",
                "1",
                "--max-attempts",
                "0",
            ],
            "max_attempts must be",
        ),
        (
            &[
                "enqueue",
                "--type",
                "t",
                "--payload",
                "1",
                "--queue",
                "a{b}",
            ],
            "invalid queue name",
        ),
        (
            &["status", "00000000-0000-0000-0000-000000000000"],
            "no job",
        ),
        (&["dead", "retry"], "--id"),
        (
            &[
                "dashboard",
                "--listen",
                "127.0.0.1:0",
                "--trace-url-template",
                "https://jaeger.example/trace/",
            ],
            "--trace-url-template / REDSPIN_DASHBOARD_TRACE_URL_TEMPLATE: the trace URL template must contain {trace_id}",
        ),
    ];
    for (args, want) in cases {
        let (ok, _, err) = cli(&redis, args);
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// A job the worker would bury is refused before it is enqueued: exit 2,
/// the message naming the field, and nothing in the queue.
#[tokio::test]
async fn refused_jobs_exit_2_naming_the_field() {
    let redis = TestRedis::start();
    let cases: [(&str, &str, &str, &str); 7] = [
        (
            "webhook",
            r#"{"url": "not a url"}"#,
            "0",
            "payload.url: is not an absolute URL",
        ),
        (
            "webhook",
            r#"{"url": "ftp://example.com/x"}"#,
            "0",
            "payload.url: must be http or https, got ftp",
        ),
        (
            "webhook",
            r#"{"method": "GET"}"#,
            "0",
            "payload.url: is required",
        ),
        (
            "webhook",
            r#"{"url": "https://x.y", "timeout_ms": 0}"#,
            "0",
            "payload.timeout_ms",
        ),
        (
            "cache.invalidate",
            "{}",
            "0",
            "payload: names no keys and no tags",
        ),
        (
            "noop",
            "{}",
            "18446744073709551615",
            "delay_ms may be at most 30 days",
        ),
        ("noop", "{nope", "0", "--payload is not valid JSON"),
    ];
    for (kind, payload, delay, want) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args([
                "enqueue",
                "--type",
                kind,
                "--payload",
                payload,
                "--delay-ms",
                delay,
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind} {payload}: {err}");
        assert!(err.contains(want), "{kind} {payload}: {err}");
    }
    let stats = client(&redis).await.stats("default").await.unwrap();
    assert_eq!((stats.ready, stats.scheduled), (0, 0));
}

/// `rediss://`: the commands and the worker itself over TLS, the server's
/// certificate checked against the trust store (`SSL_CERT_FILE`).
#[test]
fn commands_and_the_worker_work_over_tls() {
    let tls = redspin_testsupport::tls::TlsRedis::start();
    let worker = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_redspin-worker"));
        cmd.args(["--redis-url", tls.url()])
            .args(args)
            .env("SSL_CERT_FILE", tls.ca_file());
        cmd
    };
    let out = worker(&["enqueue", "--type", "noop", "--payload", "{}"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let mut running = worker(&["run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let state = loop {
        let out = worker(&["status", &id]).output().unwrap();
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if status["state"] == "done" || std::time::Instant::now() > deadline {
            break status["state"].clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let _ = Command::new("kill")
        .args(["-TERM", &running.id().to_string()])
        .status();
    assert!(
        running.wait().unwrap().success(),
        "the worker stops cleanly"
    );
    assert_eq!(state, "done");

    let out = Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", tls.url(), "stats"])
        .env("SSL_CERT_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown certificate is refused");
}

/// `enqueue --durable` waits for a replica: it succeeds with one in sync,
/// and without one it fails loudly, naming the (enqueued) job.
#[tokio::test]
async fn durable_enqueue_waits_for_a_replica() {
    let primary = TestRedis::start();
    let args = [
        "enqueue",
        "--type",
        "noop",
        "--payload",
        "{}",
        "--durable",
        "--durable-timeout-ms",
        "300",
    ];
    let (ok, id, err) = cli(&primary, &args);
    assert!(!ok, "no replica: refused");
    let id = id.trim();
    assert!(
        err.contains(&format!(
            "job {id} is enqueued, but 0 of 1 replica(s) confirmed it within 300 ms"
        )),
        "{err}"
    );
    let replica = primary.start_replica();
    // A generous wait: a loaded machine may take a while to ack.
    let mut args = args.to_vec();
    let last = args.len() - 1;
    args[last] = "10000";
    let (ok, id, err) = cli(&primary, &args);
    assert!(ok, "{err}");
    // The replica holds the job's status record.
    let key = format!("{}:{{default}}:job:{}", primary.prefix, id.trim());
    let mut conn = redis::Client::open(replica.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let state: Option<String> = redis::cmd("HGET")
        .arg(&key)
        .arg("state")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(state.as_deref(), Some("queued"));
}

/// A Redis that may evict any key would drop queued jobs under memory
/// pressure: `run` refuses it, naming the setting and the fix, unless told
/// to run anyway.
#[tokio::test]
async fn run_refuses_a_redis_that_evicts_keys() {
    let redis = TestRedis::start();
    let mut c = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("allkeys-lru")
        .query(&mut c)
        .unwrap();
    let (ok, _, err) = cli(&redis, &["run"]);
    assert!(!ok, "the worker ran on an evicting Redis");
    assert!(err.contains("maxmemory-policy allkeys-lru"), "{err}");
    assert!(
        err.contains("noeviction") && err.contains("--allow-eviction"),
        "{err}"
    );

    let (ok, id, _) = cli(&redis, &["enqueue", "--type", "noop", "--payload", "{}"]);
    assert!(ok);
    let mut running = Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
        .args(["run", "--allow-eviction"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let done = redspin_testsupport::eventually(
        std::time::Duration::from_secs(20),
        "the job to run with --allow-eviction",
        || async {
            let (_, out, _) = cli(&redis, &["status", id.trim()]);
            out.contains("\"done\"").then_some(())
        },
    );
    done.await;
    let _ = running.kill();
    let _ = running.wait();
}
