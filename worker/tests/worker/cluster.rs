//! The queue on a real Redis Cluster (three masters, three replicas): queues
//! on different masters, two worker processes with `--cluster`, one killed
//! with SIGKILL, then a master killed with SIGKILL and its replica promoted;
//! every job arrives, delayed ones not before their time, nothing remains.

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use redspin_core::{KeySchema, NewJob};
use redspin_queue::Endpoint;
use redspin_queue::QueueClient;
use redspin_testsupport::cluster::TestCluster;
use serde_json::json;

fn worker(cluster: &TestCluster, queues: &[String]) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redspin-worker"));
    cmd.args([
        "--cluster",
        "--redis-url",
        &cluster.seeds(),
        "--prefix",
        &cluster.prefix,
    ])
    .args([
        "run",
        "--recovery-timeout-ms",
        "1500",
        "--concurrency",
        "16",
    ])
    .arg("--webhook-allow-private");
    for q in queues {
        cmd.args(["--queue", q]);
    }
    Proc(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker starts"),
    )
}

/// Three queue names whose slots live on three different masters.
fn spread_queues(cluster: &TestCluster) -> Vec<String> {
    let mut by_master: HashMap<u16, String> = HashMap::new();
    for i in 0.. {
        let name = format!("q{i}");
        by_master
            .entry(cluster.master_of(&format!("{{{name}}}")))
            .or_insert(name);
        if by_master.len() == 3 {
            break;
        }
    }
    let mut names: Vec<String> = by_master.into_values().collect();
    names.sort();
    names
}

async fn enqueue(
    client: &QueueClient,
    queues: &[String],
    url: &str,
    n: usize,
    due: &mut HashMap<String, u64>,
) {
    for i in 0..n {
        let q = &queues[i % queues.len()];
        let delay = if i % 5 == 0 {
            500 + (i as u64 * 37) % 1500
        } else {
            0
        };
        let job = NewJob::new("webhook", json!({ "url": url }))
            .delay_ms(delay)
            .max_attempts(20);
        let (job, _) = client.enqueue(q, job).await.unwrap();
        due.insert(job.id, job.run_at);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_worker_and_a_master_killed_on_a_cluster() {
    let mut cluster = TestCluster::start();
    let queues = spread_queues(&cluster);
    let endpoint = Endpoint {
        url: cluster.seeds(),
        cluster: true,
    };
    let client =
        QueueClient::connect_to(&endpoint, KeySchema::new(cluster.prefix.clone()).unwrap())
            .await
            .unwrap();
    for q in &queues {
        client.register_queue(q).await.unwrap();
    }
    let receiver = Receiver::start(|_| (200, vec![], Duration::from_millis(20))).await;
    let url = format!("{}/hook", receiver.url);
    let mut due = HashMap::new();

    let a = worker(&cluster, &queues);
    let b = worker(&cluster, &queues);
    enqueue(&client, &queues, &url, 600, &mut due).await;
    eventually(WAIT, "some deliveries", || async {
        (receiver.count() >= 100).then_some(())
    })
    .await;
    a.kill();

    // A master killed mid-run; its replica takes over; more work follows.
    eventually(WAIT, "most of the first batch", || async {
        (receiver.count() >= 400).then_some(())
    })
    .await;
    cluster.kill_master_of(&format!("{{{}}}", queues[0]));
    enqueue(&client, &queues, &url, 300, &mut due).await;

    let delivered = eventually(Duration::from_secs(40), "every job delivered", || async {
        let ids: HashSet<String> = receiver
            .received()
            .iter()
            .map(|r| r.headers["idempotency-key"].clone())
            .collect();
        due.keys().all(|id| ids.contains(id)).then_some(ids.len())
    })
    .await;
    for r in receiver.received() {
        let id = &r.headers["idempotency-key"];
        assert!(r.at_ms >= due[id], "{id} arrived before its due time");
    }
    for q in &queues {
        eventually(WAIT, "the queue drained", || async {
            let s = client.stats(q).await.ok()?;
            (s.ready == 0 && s.scheduled == 0 && s.processing == 0 && s.dead == 0).then_some(())
        })
        .await;
    }
    eprintln!(
        "cluster: {} jobs over {queues:?}, delivered {delivered}, {} deliveries in all",
        due.len(),
        receiver.count()
    );
    b.kill();
}
