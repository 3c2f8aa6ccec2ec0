//! Attempt counters against a real Redis.

use std::time::Duration;

use crate::common::{RedisRs, Wait};
use redspin_core::{Command, KeySchema};
use redspin_edge::{Decision, Throttle};
use redspin_testsupport::TestRedis;

const WINDOW: Duration = Duration::from_secs(900);

fn get(r: &RedisRs, key: &str) -> Option<String> {
    r.execute(&Command::new("GET").arg(key))
        .unwrap()
        .into_items()
        .pop()
        .and_then(|v| v.into_string("get").ok())
}

#[test]
fn attempts_are_counted_in_every_counter_until_one_is_full() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let t = Throttle::new(&r, KeySchema::default());
    let pair = t.counter("login-pair", "h1|10.0.0.1", 5);
    let email = t.counter("login-email", "h1", 20);
    let both = [pair.clone(), email.clone()];
    for _ in 0..5 {
        assert_eq!(t.attempt(&both, WINDOW).wait().unwrap(), Decision::Allowed);
    }
    let Decision::Refused { retry_after } = t.attempt(&both, WINDOW).wait().unwrap() else {
        panic!("the sixth attempt is refused");
    };
    assert!(
        retry_after > Duration::from_secs(890) && retry_after <= WINDOW,
        "{retry_after:?}"
    );
    // All or nothing: the refused attempt counted nowhere.
    assert_eq!(get(&r, &email.key).as_deref(), Some("5"));
    assert!(r.pttl(&pair.key) > 0, "counters expire");
    // Another pair for the same email still gets in, and counts.
    let other = t.counter("login-pair", "h1|10.0.0.2", 5);
    assert_eq!(
        t.attempt(&[other, email.clone()], WINDOW).wait().unwrap(),
        Decision::Allowed
    );
    assert_eq!(get(&r, &email.key).as_deref(), Some("6"));
    // A success clears its pair and gives its attempt back to the email.
    t.release(std::slice::from_ref(&pair), std::slice::from_ref(&email))
        .wait()
        .unwrap();
    assert_eq!(get(&r, &pair.key), None);
    assert_eq!(get(&r, &email.key).as_deref(), Some("5"));
    assert_eq!(t.attempt(&both, WINDOW).wait().unwrap(), Decision::Allowed);
}

#[test]
fn a_burst_of_parallel_attempts_gets_exactly_the_limit() {
    let server = TestRedis::start();
    let url = server.url().to_owned();
    let allowed: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..40)
            .map(|_| {
                let url = url.clone();
                s.spawn(move || {
                    let r = RedisRs::open(&url);
                    let t = Throttle::new(&r, KeySchema::default());
                    let c = t.counter("login-pair", "burst", 5);
                    usize::from(t.attempt(&[c], WINDOW).wait().unwrap() == Decision::Allowed)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(allowed, 5);
}

#[test]
fn hostile_counters_fail_cleanly_or_heal() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let t = Throttle::new(&r, KeySchema::default());
    let c = t.counter("register-addr", "10.0.0.9", 2);
    // A full counter that lost its expiry would lock out for ever: it gets one.
    r.execute(&Command::new("SET").arg(c.key.as_str()).arg("2"))
        .unwrap();
    assert!(matches!(
        t.attempt(std::slice::from_ref(&c), WINDOW).wait().unwrap(),
        Decision::Refused { .. }
    ));
    assert!(r.pttl(&c.key) > 0);
    // Not a number: an error, never a panic or a silent pass.
    r.execute(&Command::new("SET").arg(c.key.as_str()).arg("lots"))
        .unwrap();
    let err = t.attempt(&[c], WINDOW).wait().unwrap_err();
    assert!(err.to_string().contains("not a number"), "{err}");
}
