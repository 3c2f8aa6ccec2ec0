//! What only a WASIp3 (spin-sdk 6) component can do, on both hosts where
//! Spin defines it: several host calls in flight at once, a body written
//! after the handler returned, work after the response, timers, and the
//! interfaces only spin-sdk 6 offers (`wasi:keyvalue`, `wasi:config`,
//! SQLite's `last-insert-rowid` and `changes`, the synchronous SQLite
//! calls). An app may mix both generations.
//!
//! On redspin-host alone: a fresh instance for every request (Spin reuses
//! a WASIp3 instance for up to 128 requests), the time limit on a runaway
//! guest, and `increment` of a value that is not a counter (Spin's SQLite
//! store panics on it).

use std::time::Duration;

use redspin_host::runtime::Options;
use redspin_testsupport::{eventually, TestRedis};

use crate::common::*;

fn manifest(redis_url: &str) -> String {
    format!(
        r#"
spin_manifest_version = 2
[application]
name = "wasip3-app"

[variables]
redis_url = {{ default = "{redis_url}" }}
greeting = {{ default = "hello" }}

[[trigger.http]]
route = "/p3/..."
component = "p3"

[[trigger.http]]
route = "/p2/..."
component = "p2"

[component.p3]
source = "@PROBE_WASM@"
allowed_outbound_hosts = ["{{{{ redis_url }}}}"]
sqlite_databases = ["default"]
key_value_stores = ["default"]
[component.p3.variables]
redis_url = "{{{{ redis_url }}}}"
greeting = "{{{{ greeting }}}}"

[component.p2]
source = "@PROBE2_WASM@"
[component.p2.variables]
redis_url = "{{{{ redis_url }}}}"
"#
    )
    .replace("@PROBE2_WASM@", &Probe::P2.wasm().display().to_string())
}

/// Both hosts; the WASIp2 probe beside the WASIp3 one.
async fn on_hosts(redis: &TestRedis, check: impl AsyncFn(&Target)) {
    on_both_hosts_with(
        Probe::P3,
        &manifest(redis.url()),
        Options::default(),
        &[],
        check,
    )
    .await;
}

fn app(redis: &TestRedis) -> AppDir {
    AppDir::with_probe(&manifest(redis.url()), Probe::P3)
}

#[tokio::test(flavor = "multi_thread")]
async fn both_generations_in_one_app() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let hello = s.json("/p3/hello").await;
        assert_eq!(hello["hello"], "wasip3", "{}", s.who);
        let h = s.json("/p3/headers?x=1").await;
        assert_eq!(h["spin-path-info"], "/headers", "{}", s.who);
        assert_eq!(h["spin-matched-route"], "/p3/...", "{}", s.who);
        let full = h["spin-full-url"].as_str().unwrap_or_default();
        assert!(full.ends_with("/p3/headers?x=1"), "{}: {full}", s.who);
        let (status, _) = s.get("/p2/headers").await;
        assert_eq!(status, 200, "{}: the WASIp2 component beside it", s.who);
        let vars = s.json("/p3/vars?name=greeting").await;
        assert_eq!(vars["value"], "hello", "{}", s.who);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_redis_calls_are_in_flight_at_once() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        // A BLPOP waiting up to 5 s on one connection and an RPUSH on
        // another: run one after the other, the pop would time out empty.
        let r = s.json("/p3/redis-concurrent?key=c1&wait=5").await;
        assert_eq!(
            r["popped"], "Ok([RedisResult::Binary([99, 49]), RedisResult::Binary([112, 117, 115, 104, 101, 100])])",
            "{}: {r}",
            s.who
        );
        let ms = r["elapsed_ms"].as_u64().unwrap();
        assert!(ms < 2500, "{}: took {ms} ms: the calls ran one after the other", s.who);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_written_after_the_handler_returned_arrives_whole() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let (status, body) = s.get("/p3/stream?n=500").await;
        assert_eq!(status, 200, "{}", s.who);
        let want: String = (0..500).map(|i| format!("chunk {i}\n")).collect();
        assert_eq!(body, want, "{}", s.who);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn work_after_the_response_is_let_finish() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let key = format!("after:{}", s.who.replace([' ', ','], ""));
        let (status, _) = s.get(&format!("/p3/after?key={key}&ms=300")).await;
        assert_eq!(status, 202, "{}", s.who);
        let client = redis::Client::open(redis.url()).unwrap();
        let mut conn = client.get_connection().unwrap();
        eventually(Duration::from_secs(10), "the spawned task's write", || {
            let value: Option<String> = redis::cmd("GET").arg(&key).query(&mut conn).unwrap();
            std::future::ready((value.as_deref() == Some("done")).then_some(()))
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn timers_wait_as_asked() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let r = s.json("/p3/sleep?ms=200").await;
        let slept = r["slept_ms"].as_u64().unwrap();
        assert!((200..2000).contains(&slept), "{}: slept {slept} ms", s.who);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wasi_keyvalue_and_wasi_config() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let r = s.json("/p3/wasi-kv?prefix=t").await;
        for (k, v) in [
            ("set", "Ok(())"),
            ("get", "Ok(Some([49]))"),
            ("get_missing", "Ok(None)"),
            ("exists", "Ok(true)"),
            ("increment_new", "Ok(5)"),
            ("increment", "Ok(3)"),
            ("cas_current", "Ok(Ok(Some([49])))"),
            ("cas_swap", "Ok(())"),
            ("cas_stale", "cas-failed, now Ok(Some([51]))"),
            ("after_cas", "Ok(Some([51]))"),
            ("set_many", "Ok(())"),
            (
                "get_many",
                "Ok([(\"t:a\", Some([51])), (\"t:b\", Some([120])), (\"t:c\", Some([121]))])",
            ),
            ("list_keys", "[\"t:a\", \"t:b\", \"t:c\", \"t:n\"]"),
            ("delete_many", "Ok(())"),
            ("delete", "Ok(())"),
            ("deleted", "Ok(false)"),
        ] {
            assert_eq!(r[k], v, "{}: {k}: {r}", s.who);
        }
        let denied = s.json("/p3/wasi-kv?store=other").await;
        assert_eq!(denied["open_error"], "Error::AccessDenied", "{}", s.who);
        let c = s.json("/p3/config?name=greeting").await;
        assert_eq!(c["get"], "Ok(Some(\"hello\"))", "{}", s.who);
        assert_eq!(c["all"], "Ok([\"greeting\", \"redis_url\"])", "{}", s.who);
        for name in ["nope", "Bad-Name"] {
            let c = s.json(&format!("/p3/config?name={name}")).await;
            assert_eq!(c["get"], "Ok(None)", "{}: {name}", s.who);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_rowid_changes_and_the_synchronous_calls() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let first = s.json("/p3/sqlite").await;
        let second = s.json("/p3/sqlite").await;
        assert_eq!(second["insert"], true, "{}: {second}", s.who);
        let (a, b) = (
            first["last_insert_rowid"].as_i64(),
            second["last_insert_rowid"].as_i64(),
        );
        assert_eq!(b, a.map(|a| a + 1), "{}: {first} {second}", s.who);
        assert_eq!(second["changes"], 1, "{}", s.who);
        assert_eq!(
            second["sync"]["count"], "[Value::Integer(2)]",
            "{}: {second}",
            s.who
        );
        // A statement that does not prepare: `ok` with the error after the
        // rows (Spin's shape), seen by the SDK as the statement's error.
        let bad = second["bad"].as_str().unwrap();
        assert!(
            bad.starts_with("Some(Error::Io(\"near \\\"SELEKT\\\""),
            "{}: {bad}",
            s.who
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trap_is_a_500_and_the_host_keeps_serving() {
    let redis = TestRedis::start();
    on_hosts(&redis, async |s| {
        let (status, body) = s.get("/p3/trap").await;
        assert_eq!((status, body.as_str()), (500, ""), "{}", s.who);
        let hello = s.json("/p3/hello").await;
        assert_eq!(hello["hello"], "wasip3", "{}", s.who);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_request_gets_a_fresh_instance() {
    let redis = TestRedis::start();
    let app = app(&redis);
    let served = Served::start(app, Options::default(), &[]).await;
    for _ in 0..5 {
        let r = served.json("/p3/instance").await;
        assert_eq!(r["served"], 1, "an instance served a second request");
    }
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runaway_guest_is_stopped_at_the_time_limit() {
    let redis = TestRedis::start();
    let options = Options {
        request_timeout: Duration::from_millis(500),
        ..Options::default()
    };
    let served = Served::start(app(&redis), options, &[]).await;
    let started = std::time::Instant::now();
    let (status, _) = served.get("/p3/spin").await;
    assert_eq!(status, 500);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(served.json("/p3/hello").await["hello"], "wasip3");
    served.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn incrementing_a_value_that_is_no_counter_is_an_error() {
    let redis = TestRedis::start();
    let served = Served::start(app(&redis), Options::default(), &[]).await;
    served.get("/p3/kv?op=set&key=word&value=hello").await;
    let r = served.json("/p3/wasi-increment?key=word").await;
    assert_eq!(
        r["result"],
        "Ok(Err(Error::Other(\"the value is not a counter (8 bytes, a little-endian i64)\")))"
    );
    served
        .json("/p3/wasi-increment?key=n&delta=9223372036854775807")
        .await;
    let r = served.json("/p3/wasi-increment?key=n").await;
    assert_eq!(
        r["result"],
        "Ok(Err(Error::Other(\"the counter would overflow\")))"
    );
    served.stop().await;
}
