//! Each `open` gets a Redis connection of its own, as in Spin: what one
//! request leaves on its connection (`MULTI` without `EXEC`, `SELECT`, a
//! blocking `BLPOP`) is never seen by the next. The same checks run on
//! redspin-host and on real Spin, which defines the behaviour.

use std::time::Duration;

use crate::common::*;
use redspin_host::runtime::Options;
use redspin_testsupport::TestRedis;

async fn run(client: &reqwest::Client, base: &str, cmd: &str) -> String {
    let url = format!("{base}/probe/redis-run?cmd={cmd}");
    let r = client.get(url).send().await.expect("request");
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    v["result"].to_string()
}

/// The checks, against a host serving the probe on `base`.
async fn requests_do_not_share_connection_state(base: &str, redis: &TestRedis, who: &str) {
    let client = reqwest::Client::new();
    let k = |s: &str| format!("{}:{s}", redis.prefix);
    let ok = r#"{"Ok":"[RedisResult::Status(\"OK\")]"}"#;

    // A transaction left open: the next request's SET runs, not QUEUED.
    assert_eq!(run(&client, base, "MULTI").await, ok, "{who}");
    assert_eq!(
        run(&client, base, &format!("SET+{}+v", k("a"))).await,
        ok,
        "{who}: after MULTI"
    );

    // Another database selected: the next request is in database 0.
    assert_eq!(run(&client, base, "SELECT+1").await, ok, "{who}");
    assert_eq!(
        run(&client, base, &format!("SET+{}+v", k("b"))).await,
        ok,
        "{who}"
    );
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let in_db0: Option<String> = redis::cmd("GET").arg(k("b")).query(&mut conn).unwrap();
    assert_eq!(in_db0.as_deref(), Some("v"), "{who}: after SELECT 1");

    // A request blocked in BLPOP does not stall another.
    let blocked = {
        let (client, base, key) = (client.clone(), base.to_owned(), k("never"));
        tokio::spawn(async move {
            let _ = client
                .get(format!("{base}/probe/redis-run?cmd=BLPOP+{key}+0"))
                .send()
                .await;
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        // Wait until the BLPOP is really waiting in Redis.
        let clients: String = redis::cmd("CLIENT").arg("LIST").query(&mut conn).unwrap();
        if clients.contains("cmd=blpop") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{who}: the BLPOP never ran"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let get = tokio::time::timeout(
        Duration::from_secs(3),
        run(&client, base, &format!("GET+{}", k("a"))),
    )
    .await
    .unwrap_or_else(|_| panic!("{who}: a GET waited behind another request's BLPOP"));
    assert_eq!(get, r#"{"Ok":"[RedisResult::Binary([118])]"}"#, "{who}");
    blocked.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_open_has_a_connection_of_its_own() {
    let redis = TestRedis::start();
    let manifest = redis_probe_manifest(redis.url());
    on_both_hosts_with(Probe::P2, &manifest, Options::default(), &[], async |t| {
        requests_do_not_share_connection_state(&t.base, &redis, &t.who).await
    })
    .await;
}
