//! Schedules with real `redspin-worker` processes: one job per tick however
//! many workers run, one catch-up run for ticks missed, the command line.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use redspin_core::ops::tick_job_id;
use redspin_testsupport::TestRedis;

fn cli(redis: &TestRedis, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn worker(redis: &TestRedis) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args(["run", "--webhook-allow-private"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker binary starts"),
    )
}

fn set(redis: &TestRedis, name: &str, cron: &str, url: &str) {
    let payload = format!(r#"{{"url": "{url}"}}"#);
    let (code, out, err) = cli(
        redis,
        &[
            "schedule",
            "set",
            name,
            "--cron",
            cron,
            "--type",
            "webhook",
            "--payload",
            &payload,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"next_run_at\""), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_make_one_job_per_tick() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let _workers: Vec<Proc> = (0..3).map(|_| worker(&redis)).collect();
    set(&redis, "every-second", "* * * * * *", &receiver.url);
    eventually(Duration::from_secs(30), "ten ticks delivered", || async {
        (receiver.count() >= 10).then_some(())
    })
    .await;
    assert_eq!(cli(&redis, &["schedule", "remove", "every-second"]).0, 0);
    let client = client(&redis).await;
    eventually(WAIT, "every tick's job finished", || async {
        let s = client.stats("default").await.unwrap();
        (s.ready + s.scheduled + s.processing == 0).then_some(())
    })
    .await;

    let ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.headers["idempotency-key"].clone())
        .collect();
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "a tick ran twice: {ids:?}");
    let mut ticks = Vec::new();
    for id in &ids {
        let s = client.status("default", id).await.unwrap().unwrap();
        assert_eq!(s.schedule.as_deref(), Some("every-second"));
        ticks.push(s.tick_at.unwrap());
    }
    ticks.sort_unstable();
    for w in ticks.windows(2) {
        assert_eq!(
            w[1] - w[0],
            1000,
            "one job per tick, none skipped: {ticks:?}"
        );
    }
    assert!(ticks.iter().all(|t| t % 1000 == 0), "{ticks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_missed_while_no_worker_ran_give_one_catch_up_run() {
    let redis = TestRedis::start();
    let receiver = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    set(&redis, "minutely", "* * * * *", &receiver.url);
    // As if no worker had run for the last three ticks.
    let q = redspin_core::KeySchema::new(redis.prefix.clone())
        .unwrap()
        .queue("default")
        .unwrap();
    let now = redspin_queue::now_ms();
    let latest = now - now % 60_000;
    let missed = [latest - 120_000, latest - 60_000];
    let mut conn = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("ZADD")
        .arg(q.schedules_due())
        .arg(missed[0])
        .arg("minutely")
        .query_async(&mut conn)
        .await
        .unwrap();
    let _w = worker(&redis);
    let client = client(&redis).await;
    let caught_up = tick_job_id("default", "minutely", latest);
    eventually(WAIT, "the catch-up run", || async {
        let s = client.status("default", &caught_up).await.unwrap()?;
        (s.state == redspin_core::JobState::Done).then_some(())
    })
    .await;
    for tick in missed {
        let id = tick_job_id("default", "minutely", tick);
        assert!(
            client.status("default", &id).await.unwrap().is_none(),
            "tick {tick} ran too"
        );
    }
    let (_, out, _) = cli(&redis, &["schedule", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["last_run_at"], latest);
    assert!(list[0]["next_run_at"].as_u64().unwrap() > latest, "{list}");
}

#[tokio::test]
async fn the_command_line_sets_lists_and_removes_schedules() {
    let redis = TestRedis::start();
    let payload = r#"{"url": "https://example.com/hook"}"#;
    let base = [
        "schedule",
        "set",
        "nightly",
        "--type",
        "webhook",
        "--payload",
        payload,
    ];
    let run = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        cli(&redis, &a)
    };
    for (extra, want) in [
        (&["--cron", "* * *"][..], "--cron"),
        (
            &["--cron", "0 3 * * *", "--tz", "Nowhere/Special"][..],
            "--tz",
        ),
    ] {
        let (code, _, err) = run(extra);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(want), "{err}");
    }
    let (code, _, err) = cli(
        &redis,
        &[
            "schedule",
            "set",
            "x",
            "--cron",
            "* * * * *",
            "--type",
            "webhook",
            "--payload",
            "{}",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("payload.url"), "{err}");
    let (code, out, err) = run(&[
        "--cron",
        "0 3 * * *",
        "--tz",
        "Europe/Berlin",
        "--queue",
        "reports",
    ]);
    assert_eq!(code, 0, "{err}");
    let set: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (_, out, _) = cli(&redis, &["schedule", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list, serde_json::json!([set]));
    let row = &list[0];
    for (field, want) in [
        ("name", "nightly"),
        ("cron", "0 3 * * *"),
        ("tz", "Europe/Berlin"),
        ("type", "webhook"),
        ("queue", "reports"),
    ] {
        assert_eq!(row[field], want, "{row}");
    }
    assert!(
        row.get("payload").is_none(),
        "payloads may hold secrets: {row}"
    );
    assert_eq!(row["last_run_at"], serde_json::Value::Null);
    assert!(row["next_run_at"].as_u64().unwrap() > redspin_queue::now_ms());
    assert_eq!(cli(&redis, &["schedule", "remove", "nightly"]).0, 0);
    let (code, _, err) = cli(&redis, &["schedule", "remove", "nightly"]);
    assert!(code != 0 && err.contains("no schedule nightly"), "{err}");
    let (_, out, _) = cli(&redis, &["schedule", "list", "--json"]);
    assert_eq!(out.trim(), "[]");
}
