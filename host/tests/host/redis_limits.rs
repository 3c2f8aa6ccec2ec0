//! A guest cannot grow the host's Redis use without bound (redspin-host
//! only: Spin caps neither the host's connections nor `smembers`): the
//! host's connection total holds however the guest varies its address
//! strings, idle connections make room and age out, and a reply over the
//! cap is refused in Spin's words, not handed over.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use redspin_host::redis::pool::{ConnectError, RedisPool, RequestCount};
use redspin_host::runtime::Options;
use redspin_testsupport::TestRedis;

/// Clients connected to `redis`, this test's own included.
fn connected_clients(redis: &TestRedis) -> usize {
    let mut c = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let info: String = redis::cmd("INFO").arg("clients").query(&mut c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no connected_clients in {info}"))
}

/// Redis counts at most the host's 40 and this test's own connection. A
/// connection the host closed leaves Redis's count a moment later, so the
/// count is polled (it never goes under the cap on the host before).
async fn within_cap(redis: &TestRedis) {
    redspin_testsupport::eventually(
        std::time::Duration::from_secs(10),
        "Redis to count no more connections than the host's cap",
        || async { (connected_clients(redis) <= 41).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_cannot_open_redis_connections_without_bound() {
    let redis = TestRedis::start();
    let options = Options {
        max_redis_connections: 40,
        ..Options::default()
    };
    let app = AppDir::new(&redis_probe_manifest(redis.url()));
    let s = Served::start(app, options, &[]).await;

    // 200 opens, each address string different: the host stops at 40.
    let v = s.json("/probe/redis-many?n=200&distinct=1").await;
    assert_eq!(v["opened"], 40, "{v}");
    assert_eq!(v["error"], "Error::TooManyConnections", "{v}");
    within_cap(&redis).await;

    // The 40 are idle now, under 40 addresses no one will use again: a
    // new request makes room by closing the oldest.
    let v = s.json("/probe/redis-many?n=5").await;
    assert_eq!((&v["opened"], &v["used"]), (&5.into(), &5.into()), "{v}");
    within_cap(&redis).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_over_the_cap_is_refused() {
    let redis = TestRedis::start();
    let key = format!("{}:big", redis.prefix);
    let mut c = redis::Client::open(redis.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg(vec![b'x'; (128 << 20) + 1])
        .query(&mut c)
        .unwrap();
    let app = AppDir::new(&redis_probe_manifest(redis.url()));
    let s = Served::start(app, Options::default(), &[]).await;
    let (status, body) = s.get(&format!("/probe/get?key={key}")).await;
    assert_eq!(status, 503, "{}", &body[..body.len().min(200)]);
    assert!(
        body.contains("query result exceeds limit of 134217728 bytes"),
        "{body}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_evicts_idle_connections_and_ages_them_out() {
    let redis = TestRedis::start();
    let pool = Arc::new(RedisPool::new(3, Default::default()));
    let addr = |i: usize| format!("{}#{i}", redis.url());
    let request = RequestCount::default();

    // Three held: the total is reached, a fourth is refused.
    let mut held = Vec::new();
    for i in 0..3 {
        held.push(pool.checkout(&addr(i), Some(&request)).await.unwrap());
    }
    assert!(matches!(
        pool.checkout(&addr(3), Some(&request)).await,
        Err(ConnectError::TooMany)
    ));
    assert_eq!(request.load(std::sync::atomic::Ordering::SeqCst), 3);

    // Let go, they idle under three addresses; a fourth address takes the
    // oldest one's place.
    drop(held);
    assert_eq!(request.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(pool.idle_addresses(), 3);
    let fourth = pool.checkout(&addr(3), None).await.unwrap();
    assert_eq!(pool.open_count(), 3);
    assert_eq!(pool.idle_addresses(), 2);
    drop(fourth);

    // Aged out: nothing idle, no address remembered, nothing open.
    pool.reap(Duration::ZERO);
    assert_eq!((pool.idle_addresses(), pool.open_count()), (0, 0));
}
