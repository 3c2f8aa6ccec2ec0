//! Chaos: a few thousand webhook jobs (some delayed) to a local receiver,
//! three real `redspin-worker` processes, and for about 25 s workers killed
//! with SIGKILL and replaced, Redis killed with SIGKILL and restarted from
//! its append-only file (`appendfsync always`), and Redis frozen (SIGSTOP)
//! longer than the clients' timeouts. Then every job has arrived at least once, none before its due
//! time, nothing is dead, and no processing list holds anything.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use redspin_core::NewJob;
use redspin_testsupport::TestRedis;
use serde_json::json;

const JOBS: usize = 3000;
const DELAYED: usize = 600;
const WORKERS: usize = 3;

fn worker(redis: &TestRedis) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args([
                "run",
                "--recovery-timeout-ms",
                "1500",
                "--concurrency",
                "16",
            ])
            .args(["--backoff-base-ms", "20", "--backoff-max-ms", "200"])
            .arg("--webhook-allow-private")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker binary starts"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_job_is_lost_under_kills_restarts_and_freezes() {
    let mut redis = TestRedis::start_durable("always");
    let client = client(&redis).await;
    // Slow enough that the work spans the chaos: three workers of 16 slots
    // finish about 190 jobs a second.
    let receiver = Receiver::start(|_| (200, vec![], Duration::from_millis(250))).await;
    let url = format!("{}/hook", receiver.url);

    // Every job's due time, by id.
    let mut due: HashMap<String, u64> = HashMap::new();
    for i in 0..JOBS {
        let delay = if i < DELAYED {
            1000 + (i as u64 * 31) % 24_000
        } else {
            0
        };
        let job = NewJob::new("webhook", json!({ "url": url, "body": { "n": i } }))
            .delay_ms(delay)
            .max_attempts(50);
        let (job, _) = client.enqueue("default", job).await.unwrap();
        due.insert(job.id, job.run_at);
    }

    let started = Instant::now();
    let mut workers: Vec<Proc> = (0..WORKERS).map(|_| worker(&redis)).collect();
    let mut events = Vec::new();
    // Each second, one step of the plan: kills and a Redis restart first,
    // then a freeze with no worker dying afterwards (a job stranded by the
    // freeze has no death to be recovered by: only the live worker's own
    // reconciliation brings it back).
    for second in 0..16u64 {
        match second {
            5 => {
                redis.stop();
                tokio::time::sleep(Duration::from_millis(800)).await;
                redis.restart();
                events.push("redis killed -9 and restarted");
            }
            12 => {
                redis.freeze();
                tokio::time::sleep(Duration::from_secs(7)).await;
                redis.thaw();
                events.push("redis frozen 7 s");
            }
            s if s % 2 == 0 && s <= 10 => {
                let i = (s as usize / 2) % WORKERS;
                std::mem::replace(&mut workers[i], worker(&redis)).kill();
                events.push("worker killed -9 and replaced");
            }
            _ => {}
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let chaos = started.elapsed();

    // Drain: every job delivered, nothing left anywhere.
    let drained = Instant::now();
    let q = client.schema().queue("default").unwrap();
    redspin_testsupport::eventually(
        Duration::from_secs(30),
        "every job delivered and the queue drained",
        || async {
            let received = receiver.received();
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for r in &received {
                *seen
                    .entry(r.headers.get("idempotency-key").map_or("", |k| k.as_str()))
                    .or_default() += 1;
            }
            let s = client.stats("default").await.ok()?;
            let all = due.keys().all(|id| seen.contains_key(id.as_str()));
            (all && s.ready == 0 && s.scheduled == 0 && s.processing == 0 && s.done >= JOBS as u64)
                .then_some(())
        },
    )
    .await;
    let drain = drained.elapsed();

    let received = receiver.received();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &received {
        let id = r.headers["idempotency-key"].clone();
        let due_at = due[&id];
        assert!(
            r.at_ms >= due_at,
            "job {id} arrived {} ms before its due time",
            due_at - r.at_ms
        );
        *seen.entry(id).or_default() += 1;
    }
    let lost = due.keys().filter(|id| !seen.contains_key(*id)).count();
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    let s = client.stats("default").await.unwrap();
    // Every processing list, including those of workers presumed dead.
    let registered: Vec<String> = redis::cmd("SMEMBERS")
        .arg(q.workers())
        .query_async(&mut client.connection().raw())
        .await
        .unwrap();
    for w in &registered {
        let n: u64 = redis::cmd("LLEN")
            .arg(q.processing(w))
            .query_async(&mut client.connection().raw())
            .await
            .unwrap();
        assert_eq!(n, 0, "processing list of {w}");
    }
    eprintln!(
        "chaos: {JOBS} jobs ({DELAYED} delayed), {WORKERS} workers, {:.1} s of chaos ({}); \
         delivered {} / lost {lost} / duplicates {duplicates}; drained {:.1} s after; dead {}",
        chaos.as_secs_f64(),
        events.join(", "),
        seen.len(),
        drain.as_secs_f64(),
        s.dead,
    );
    assert_eq!(lost, 0);
    assert_eq!(s.dead, 0, "no job died");
    drop(workers);
}
