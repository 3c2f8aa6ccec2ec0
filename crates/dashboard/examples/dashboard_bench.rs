//! Dashboard benchmark (run by `scripts/bench dashboard`): on a private
//! redis-server holding 100,000 ready and 10,000 dead jobs and an hour of
//! per-minute counters, measures the server time of
//! 1. the overview page (`GET /`), its JSON (`GET /api/overview`), and the
//!    first page of the dead list (`GET /dead`), end to end over loopback;
//! 2. against baselines from the same run: the `stats` script alone (what
//!    `redspin-worker stats` does per queue) and `GET /assets/style.css`
//!    (the HTTP floor: the same server, no Redis).
//!
//! Usage: dashboard_bench [ITERATIONS] (default 200). Prints Markdown.

use std::sync::Arc;
use std::time::Instant;

use redspin_core::ops::minute_of;
use redspin_core::{Job, KeySchema, NewJob};
use redspin_dashboard::{self as dashboard, Admin, AppState, Auth};
use redspin_queue::now_ms;
use redspin_queue::QueueClient;
use redspin_testsupport::bench::Summary;
use redspin_testsupport::TestRedis;

const READY: usize = 100_000;
const DEAD: usize = 10_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let iterations: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(200);
    let redis = TestRedis::start();
    let schema = KeySchema::new(redis.prefix.clone())?;
    let client = QueueClient::connect(redis.url(), schema.clone()).await?;
    fill(&client, &schema).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState {
        admin: Admin::new(client.clone()),
        auth: Arc::new(Auth::new(None, false)?),
        trace_url: None,
    };
    tokio::spawn(dashboard::serve(listener, state, std::future::pending()));
    let http = reqwest::Client::new();

    let mut rows = Vec::new();
    let stats = time(iterations, || async {
        client
            .stats("default")
            .await
            .map(|_| ())
            .map_err(anyhow::Error::from)
    })
    .await?;
    rows.push(("`stats` script (baseline)", stats));
    for (label, path) in [
        ("`GET /assets/style.css` (HTTP floor)", "/assets/style.css"),
        ("`GET /` overview", "/"),
        ("`GET /api/overview`", "/api/overview"),
        ("`GET /dead` (page 1 of 10,000)", "/dead?queue=default"),
    ] {
        let url = format!("{base}{path}");
        let s = time(iterations, || async {
            let res = http.get(&url).send().await?;
            anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
            res.bytes().await?;
            Ok(())
        })
        .await?;
        rows.push((label, s));
    }

    println!(
        "{} ready and {} dead jobs, {iterations} requests each, one at a time.",
        thousands(READY),
        thousands(DEAD)
    );
    println!();
    println!("| what | p50 | p99 | mean | p50 vs `stats` |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (label, s) in rows {
        println!(
            "| {label} | {:.2} ms | {:.2} ms | {:.2} ms | {:.1}x |",
            s.p50_us / 1000.0,
            s.p99_us / 1000.0,
            s.mean_us / 1000.0,
            s.p50_us / stats.p50_us
        );
    }
    Ok(())
}

async fn time<F, Fut>(n: usize, mut f: F) -> anyhow::Result<Summary>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    for _ in 0..n / 10 {
        f().await?;
    }
    let mut nanos = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        nanos.push(t.elapsed().as_nanos() as u64);
    }
    Summary::of(nanos).ok_or_else(|| anyhow::anyhow!("no samples"))
}

/// 100k ready and 10k dead envelopes, written in pipelined batches, and an
/// hour of per-minute counters.
async fn fill(client: &QueueClient, schema: &KeySchema) -> anyhow::Result<()> {
    let q = schema.queue("default")?;
    let mut conn = client.connection().raw();
    let now = now_ms();
    let envelope = |i: usize| -> anyhow::Result<Job> {
        let payload = serde_json::json!({"url": "https://hooks.example.com/x", "n": i});
        Ok(NewJob::new("webhook", payload).into_job(uuid::Uuid::new_v4(), now)?)
    };
    for chunk in (0..READY).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.rpush(q.ready(), envelope(*i)?.to_json()).ignore();
        }
        let () = pipe.query_async(&mut conn).await?;
    }
    for chunk in (0..DEAD).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            let mut job = envelope(*i)?;
            job.attempts = job.max_attempts;
            job.last_error = Some("the receiver answered 500 (attempts exhausted)".into());
            pipe.zadd(q.dead(), job.to_json(), now - *i as u64).ignore();
        }
        let () = pipe.query_async(&mut conn).await?;
    }
    let mut pipe = redis::pipe();
    for m in 0..60 {
        let key = q.minute(minute_of(now) - m);
        pipe.hset_multiple(&key, &[("done", 6000 + m * 10), ("failed", m)])
            .ignore();
    }
    let () = pipe.query_async(&mut conn).await?;
    client.register_queue("default").await?;
    Ok(())
}

fn thousands(n: usize) -> String {
    redspin_dashboard::format::thousands(n as u64)
}
