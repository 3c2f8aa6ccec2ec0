//! Sessions and tasks against a real Redis.

use std::time::Duration;

use crate::common::{RedisRs, Wait};
use redspin_core::{Command, JobState, KeySchema, NewJob};
use redspin_edge::{SessionConfig, SessionId, SessionStore, Tasks};
use redspin_testsupport::TestRedis;

#[test]
fn create_load_slide_destroy() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let store = SessionStore::new(&r, KeySchema::default(), SessionConfig::default());
    let (id, s) = store.create(1).wait().unwrap();
    let key = format!("redspin:session:{}", id.digest());
    assert!((604_000_000..=604_800_000).contains(&r.pttl(&key)));
    // Sliding: an older TTL is pushed back to the full idle timeout.
    r.execute(&Command::new("PEXPIRE").arg(key.as_str()).arg(1_000_000i64))
        .unwrap();
    assert_eq!(store.load(&id).wait().unwrap(), Some(s.clone()));
    assert!(r.pttl(&key) > 604_000_000);
    let unknown = SessionId::generate().unwrap();
    assert_eq!(store.load(&unknown).wait().unwrap(), None);
    assert_eq!(store.destroy(&id).wait().unwrap(), Some(s));
    assert_eq!(store.load(&id).wait().unwrap(), None);
    let index = r
        .execute(&Command::new("ZCARD").arg("redspin:user-session-index:1"))
        .unwrap();
    assert_eq!(index.as_i64("zcard").unwrap(), 0);
}

#[test]
fn the_absolute_lifetime_caps_sliding() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let config = SessionConfig {
        idle: Duration::from_secs(600),
        absolute: Duration::from_secs(5),
        ..SessionConfig::default()
    };
    let store = SessionStore::new(&r, KeySchema::default(), config);
    let (id, s) = store.create(2).wait().unwrap();
    let key = format!("redspin:session:{}", id.digest());
    assert!(r.pttl(&key) <= 5_000);
    assert!(store.load(&id).wait().unwrap().is_some());
    assert!(
        r.pttl(&key) <= 5_000,
        "sliding never passes the absolute expiry"
    );
    // Past its absolute expiry (written as if created long ago): gone.
    let old = format!("{}|{}", s.created_ms, serde_json::to_string(&s).unwrap());
    r.execute(&Command::new("SET").arg(key.as_str()).arg(old))
        .unwrap();
    assert_eq!(store.load(&id).wait().unwrap(), None);
    let exists = r
        .execute(&Command::new("EXISTS").arg(key.as_str()))
        .unwrap();
    assert_eq!(exists.as_i64("exists").unwrap(), 0);
}

#[test]
fn destroy_all_ends_every_session_of_one_user_only() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let config = SessionConfig {
        max_per_user: 1000,
        ..SessionConfig::default()
    };
    let store = SessionStore::new(&r, KeySchema::default(), config);
    let mine: Vec<_> = (0..250)
        .map(|_| store.create(7).wait().unwrap().0)
        .collect();
    let (theirs, _) = store.create(8).wait().unwrap();
    assert_eq!(store.destroy_all(7).wait().unwrap(), 250);
    for id in &mine {
        assert_eq!(store.load(id).wait().unwrap(), None);
    }
    assert!(store.load(&theirs).wait().unwrap().is_some());
}

/// A login racing "log out everywhere": its id was popped from the index
/// before its record was written, so the index no longer knows it. The
/// logout time still voids it; a session created afterwards lives.
#[test]
fn a_session_the_index_missed_is_void_after_logout_all() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let store = SessionStore::new(&r, KeySchema::default(), SessionConfig::default());
    let (raced, _) = store.create(7).wait().unwrap();
    r.execute(
        &Command::new("ZREM")
            .arg("redspin:user-session-index:7")
            .arg(raced.digest()),
    )
    .unwrap();
    assert_eq!(
        store.destroy_all(7).wait().unwrap(),
        0,
        "the index had nothing"
    );
    assert_eq!(store.load(&raced).wait().unwrap(), None);
    let key = format!("redspin:session:{}", raced.digest());
    assert_eq!(r.pttl(&key), -2, "the void record is deleted on sight");
    // Logins after the logout are unaffected.
    let until = std::time::Instant::now() + Duration::from_millis(50);
    while std::time::Instant::now() < until && redspin_edge::now_ms() <= logout_ms(&r) {
        std::hint::spin_loop();
    }
    let (later, s) = store.create(7).wait().unwrap();
    assert_eq!(store.load(&later).wait().unwrap(), Some(s));
}

fn logout_ms(r: &RedisRs) -> u64 {
    let v = r
        .execute(&Command::new("GET").arg("redspin:user-logout:7"))
        .unwrap();
    v.into_string("get").unwrap().parse().unwrap()
}

#[test]
fn tasks_enqueue_and_report_status() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let tasks = Tasks::new(&r, &KeySchema::default(), "default").unwrap();
    let now = tasks
        .enqueue(NewJob::new("noop", serde_json::json!({})))
        .wait()
        .unwrap();
    let later = tasks
        .enqueue(NewJob::new("noop", serde_json::json!({})).delay_ms(60_000))
        .wait()
        .unwrap();
    assert_eq!(
        (now.state, later.state),
        (JobState::Queued, JobState::Scheduled)
    );
    let status = tasks.status(&later.id).wait().unwrap().unwrap();
    assert_eq!(status.state, JobState::Scheduled);
    assert_eq!(
        tasks
            .status("00000000-0000-0000-0000-000000000000")
            .wait()
            .unwrap(),
        None
    );
    let len = r
        .execute(&Command::new("LLEN").arg("redspin:{default}:ready"))
        .unwrap();
    assert_eq!(len.as_i64("llen").unwrap(), 1);
    assert!(matches!(
        tasks.enqueue(NewJob::new("", serde_json::json!({}))).wait(),
        Err(redspin_edge::EdgeError::Core(_))
    ));
}

#[test]
fn owned_tasks_are_limited_while_unfinished() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let tasks = Tasks::new(&r, &KeySchema::default(), "default").unwrap();
    let job = || NewJob::new("noop", serde_json::json!({})).delay_ms(60_000);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            tasks
                .enqueue_owned(job(), "user:7", 3)
                .wait()
                .unwrap()
                .expect("room")
                .id
        })
        .collect();
    assert_eq!(
        tasks.enqueue_owned(job(), "user:7", 3).wait().unwrap(),
        None,
        "full"
    );
    // Another owner has a quota of its own.
    assert!(tasks
        .enqueue_owned(job(), "user:8", 3)
        .wait()
        .unwrap()
        .is_some());
    assert_eq!(
        tasks.owner(&ids[0]).wait().unwrap().as_deref(),
        Some("user:7")
    );
    assert_eq!(tasks.owner("nope").wait().unwrap(), None);
    // A finished task (done, dead) frees its place; a failed one waiting
    // for its retry does not.
    let status = |id: &str, state: &str| {
        r.execute(
            &Command::new("HSET")
                .arg(format!("redspin:{{default}}:job:{id}"))
                .arg("state")
                .arg(state),
        )
        .unwrap();
    };
    status(&ids[0], "failed");
    assert_eq!(
        tasks.enqueue_owned(job(), "user:7", 3).wait().unwrap(),
        None
    );
    status(&ids[1], "done");
    let fourth = tasks.enqueue_owned(job(), "user:7", 3).wait().unwrap();
    assert!(fourth.is_some());
    // A status that expired: the place is freed too.
    r.execute(&Command::new("DEL").arg(format!("redspin:{{default}}:job:{}", ids[2])))
        .unwrap();
    r.execute(
        &Command::new("ZADD")
            .arg("redspin:{default}:owned:user:7")
            .arg(0i64)
            .arg(ids[2].as_str()),
    )
    .unwrap();
    assert!(tasks
        .enqueue_owned(job(), "user:7", 3)
        .wait()
        .unwrap()
        .is_some());
    assert_eq!(
        tasks
            .status(&fourth.unwrap().id)
            .wait()
            .unwrap()
            .unwrap()
            .state,
        JobState::Scheduled
    );
}

/// Past the cap a login ends the user's oldest sessions (records and index
/// entries), others' untouched; Redis never holds a raw session id.
#[test]
fn a_user_keeps_at_most_max_per_user_sessions_known_by_digest_only() {
    let server = TestRedis::start();
    let r = RedisRs::open(server.url());
    let config = SessionConfig {
        max_per_user: 3,
        ..SessionConfig::default()
    };
    let store = SessionStore::new(&r, KeySchema::default(), config);
    let (other, _) = store.create(9).wait().unwrap();
    let ids: Vec<_> = (0..5).map(|_| store.create(4).wait().unwrap().0).collect();
    for (n, id) in ids.iter().enumerate() {
        let live = store.load(id).wait().unwrap().is_some();
        assert_eq!(live, n >= 2, "session {n} of 5 under a cap of 3");
    }
    assert!(store.load(&other).wait().unwrap().is_some());
    let index = r
        .execute(&Command::new("ZCARD").arg("redspin:user-session-index:4"))
        .unwrap();
    assert_eq!(index.as_i64("zcard").unwrap(), 3, "the index is pruned too");
    // Every key and every value in Redis, scanned: no raw id anywhere.
    let mut cursor = "0".to_owned();
    loop {
        let reply = r
            .execute(
                &Command::new("SCAN")
                    .arg(cursor.as_str())
                    .arg("COUNT")
                    .arg(1000i64),
            )
            .unwrap()
            .into_items();
        let mut it = reply.into_iter();
        cursor = it.next().unwrap().into_string("cursor").unwrap();
        for key in it.next().unwrap().into_items() {
            let key = key.into_string("key").unwrap();
            let dump = r.execute(&Command::new("DUMP").arg(key.as_str())).unwrap();
            let dump = format!("{dump:?}");
            for id in ids.iter().chain([&other]) {
                assert!(!key.contains(id.expose()), "a raw session id in key {key}");
                assert!(
                    !dump.contains(id.expose()),
                    "a raw session id in the value of {key}"
                );
            }
        }
        if cursor == "0" {
            break;
        }
    }
}
