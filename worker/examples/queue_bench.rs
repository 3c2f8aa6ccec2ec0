//! Queue benchmark (run by `scripts/bench`): on a private redis-server,
//! measures in one run
//! 1. enqueue throughput (producers through the enqueue script),
//! 2. worker throughput on no-op jobs, with full at-least-once bookkeeping,
//! 3. promotion throughput of due delayed jobs,
//! 4. lateness of delayed jobs run by a worker,
//! 5. `redis-benchmark` on the same server, as the ceiling,
//! 6. worker throughput over six queues: on the single server, and on a
//!    Redis Cluster of three masters (and three replicas) on this machine.
//!
//! Usage: queue_bench [JOBS] (default 100000). Prints Markdown.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use redspin_core::{ops::Enqueue, ops::Promote, ops::MAX_BATCH, KeySchema, NewJob};
use redspin_queue::now_ms;
use redspin_queue::Endpoint;
use redspin_queue::QueueClient;
use redspin_testsupport::cluster::TestCluster;
use redspin_testsupport::TestRedis;
use redspin_worker::{JobContext, Registry, Worker, WorkerConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jobs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let redis = TestRedis::start();
    let schema = KeySchema::new(redis.prefix.clone())?;
    let client = QueueClient::connect(redis.url(), schema.clone()).await?;
    let port = redis.url().rsplit(':').next().unwrap().to_owned();

    // 1. Enqueue.
    let started = Instant::now();
    enqueue_many(&client, jobs, 0).await?;
    let enqueue_rate = jobs as f64 / started.elapsed().as_secs_f64();

    // 2. Worker throughput.
    let config = WorkerConfig {
        redis_url: redis.url().to_owned(),
        schema: schema.clone(),
        concurrency: 256,
        fetch_batch: 256,
        ..WorkerConfig::default()
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let worker = tokio::spawn(
        Worker::new(config.clone(), Registry::with_builtins()).run(async {
            let _ = stop_rx.await;
        }),
    );
    wait_for(&client, |s| s.done >= jobs as u64).await?;
    let work_rate = jobs as f64 / started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    worker.await??;

    // 2b. The same with limits the claim script must check and count (a
    // rate window and a concurrency cap, neither reached).
    let limits = redspin_core::ops::Limits {
        rate: Some(1_000_000_000),
        per_ms: Some(1000),
        concurrency: Some(1_000_000),
    };
    client.limit("default", limits).await?;
    enqueue_many(&client, jobs, 0).await?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let worker = tokio::spawn(
        Worker::new(config.clone(), Registry::with_builtins()).run(async {
            let _ = stop_rx.await;
        }),
    );
    wait_for(&client, |s| s.done >= 2 * jobs as u64).await?;
    let limited_rate = jobs as f64 / started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    worker.await??;
    client.clear_limits("default").await?;

    // 3. Promotion of due delayed jobs: scheduled as if enqueued earlier.
    let q = schema.queue("promo")?;
    let now = now_ms();
    concurrently(jobs, |_| {
        let client = client.clone();
        let q = q.clone();
        async move {
            let job =
                NewJob::new("noop", serde_json::Value::Null).into_job(uuid::Uuid::new_v4(), now)?;
            client
                .connection()
                .run(&Enqueue {
                    queue: &q,
                    job: &job,
                    now_ms: now - 1,
                })
                .await?;
            anyhow::Ok(())
        }
    })
    .await?;
    let started = Instant::now();
    let mut promoted = 0;
    loop {
        let p = client
            .connection()
            .run(&Promote {
                queue: &q,
                now_ms: now_ms(),
                limit: MAX_BATCH,
            })
            .await?;
        promoted += p.count;
        if p.count == 0 {
            break;
        }
    }
    let promote_rate = promoted as f64 / started.elapsed().as_secs_f64();
    assert_eq!(promoted, jobs);

    // 4. Lateness of delayed jobs (2000 spread over 2 s).
    let lateness = Arc::new(Mutex::new(Vec::new()));
    let mut registry = Registry::new();
    let l = lateness.clone();
    registry.register("late", move |ctx: JobContext| {
        l.lock()
            .unwrap()
            .push(now_ms() as i64 - ctx.job.run_at as i64);
        async { Ok(()) }
    });
    let lconfig = WorkerConfig {
        queues: vec!["late".into()],
        ..config
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(Worker::new(lconfig, registry).run(async {
        let _ = stop_rx.await;
    }));
    for i in 0..2000u64 {
        client
            .enqueue(
                "late",
                NewJob::new("late", serde_json::Value::Null).delay_ms(500 + i),
            )
            .await?;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while lateness.lock().unwrap().len() < 2000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop_tx.send(());
    worker.await??;
    let mut late = lateness.lock().unwrap().clone();
    late.sort_unstable();
    let pct = |p: usize| late[(late.len() * p / 100).min(late.len() - 1)];

    // 5. The ceiling: redis-benchmark against the same server.
    let ceiling = redis_benchmark(&port, &["-t", "lpush,rpop", "-n", "200000", "-c", "50"])?;
    let evalsha = redis_benchmark(
        &port,
        &["-n", "200000", "-c", "50", "eval", "return 1", "0"],
    )?;
    let piped = redis_benchmark(
        &port,
        &["-t", "lpush", "-n", "1000000", "-c", "50", "-P", "16"],
    )?;

    // 6. Six queues: one server versus a cluster of three masters.
    let six: Vec<String> = (0..6).map(|i| format!("six{i}")).collect();
    let single = Endpoint::single(redis.url());
    let single_rate = six_queue_rate(&single, &schema, &six, jobs).await?;
    let cluster = TestCluster::start();
    let cluster_endpoint = Endpoint {
        url: cluster.seeds(),
        cluster: true,
    };
    let cluster_schema = KeySchema::new(cluster.prefix.clone())?;
    let cluster_rate = six_queue_rate(&cluster_endpoint, &cluster_schema, &six, jobs).await?;
    drop(cluster);

    println!("| measure | figure | ratio to LPUSH baseline |");
    println!("| --- | --- | --- |");
    let lpush = ceiling
        .iter()
        .find(|(n, _)| n.starts_with("LPUSH"))
        .map(|x| x.1)
        .unwrap_or(f64::NAN);
    let rpop = ceiling
        .iter()
        .find(|(n, _)| n.starts_with("RPOP"))
        .map(|x| x.1)
        .unwrap_or(f64::NAN);
    println!("| redis-benchmark LPUSH, 50 clients (baseline) | {lpush:.0} ops/s | 1.00 |");
    println!(
        "| redis-benchmark RPOP, 50 clients | {rpop:.0} ops/s | {:.2} |",
        rpop / lpush
    );
    for (name, rate) in &evalsha {
        println!(
            "| redis-benchmark {name}, 50 clients | {rate:.0} ops/s | {:.2} |",
            rate / lpush
        );
    }
    for (name, rate) in &piped {
        println!(
            "| redis-benchmark {name}, 50 clients, pipeline 16 | {rate:.0} ops/s | {:.2} |",
            rate / lpush
        );
    }
    println!("| enqueue ({jobs} jobs, 64 in flight, status record each) | {enqueue_rate:.0} jobs/s | {:.2} |", enqueue_rate / lpush);
    println!("| worker, no-op jobs ({jobs}, at-least-once: claim + ack + status; pause checked) | {work_rate:.0} jobs/s | {:.2} |", work_rate / lpush);
    println!("| worker, no-op jobs, a rate and a concurrency limit set (not reached) | {limited_rate:.0} jobs/s | {:.2} (x{:.2} of no limits) |", limited_rate / lpush, limited_rate / work_rate);
    println!(
        "| promotion of {jobs} due delayed jobs | {promote_rate:.0} jobs/s | {:.2} |",
        promote_rate / lpush
    );
    println!(
        "| delayed-job lateness (2000 jobs over 2 s) | p50 {} ms, p99 {} ms, max {} ms | |",
        pct(50),
        pct(99),
        late.last().unwrap()
    );
    println!(
        "| worker, no-op jobs over 6 queues, one server | {single_rate:.0} jobs/s | {:.2} |",
        single_rate / lpush
    );
    println!(
        "| worker, no-op jobs over 6 queues, Redis Cluster (3 masters + 3 replicas, same machine) | {cluster_rate:.0} jobs/s | {:.2} (x{:.2} of one server) |",
        cluster_rate / lpush,
        cluster_rate / single_rate
    );
    Ok(())
}

/// One worker (256 slots) draining `jobs` no-op jobs spread over `queues`.
async fn six_queue_rate(
    endpoint: &Endpoint,
    schema: &KeySchema,
    queues: &[String],
    jobs: usize,
) -> anyhow::Result<f64> {
    let client = QueueClient::connect_to(endpoint, schema.clone()).await?;
    concurrently(jobs, |i| {
        let client = client.clone();
        let q = queues[i % queues.len()].clone();
        async move {
            client
                .enqueue(&q, NewJob::new("noop", serde_json::Value::Null))
                .await?;
            anyhow::Ok(())
        }
    })
    .await?;
    let config = WorkerConfig {
        redis_url: endpoint.url.clone(),
        cluster: endpoint.cluster,
        schema: schema.clone(),
        queues: queues.to_vec(),
        concurrency: 256,
        fetch_batch: 256,
        ..WorkerConfig::default()
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let worker = tokio::spawn(Worker::new(config, Registry::with_builtins()).run(async {
        let _ = stop_rx.await;
    }));
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let mut done = 0;
        for q in queues {
            done += client.stats(q).await?.done;
        }
        if done >= jobs as u64 {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rate = jobs as f64 / started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    worker.await??;
    Ok(rate)
}

async fn enqueue_many(client: &QueueClient, n: usize, delay_ms: u64) -> anyhow::Result<()> {
    concurrently(n, |_| {
        let client = client.clone();
        async move {
            let new = NewJob::new("noop", serde_json::Value::Null).delay_ms(delay_ms);
            client.enqueue("default", new).await?;
            anyhow::Ok(())
        }
    })
    .await
}

/// Runs `f(0..n)` with 64 calls in flight; the first error wins.
async fn concurrently<F, Fut>(n: usize, f: F) -> anyhow::Result<()>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    futures::stream::iter(0..n)
        .map(f)
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

async fn wait_for(
    client: &QueueClient,
    done: impl Fn(&redspin_core::ops::QueueStats) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if done(&client.stats("default").await?) {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs redis-benchmark in CSV mode; (test name, requests per second).
fn redis_benchmark(port: &str, args: &[&str]) -> anyhow::Result<Vec<(String, f64)>> {
    let out = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", port, "--csv"])
        .args(args)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "redis-benchmark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',').map(|s| s.trim_matches('"'));
            let name = f.next()?.to_owned();
            let rps = f.next()?.parse().ok()?;
            Some((name, rps))
        })
        .collect())
}
