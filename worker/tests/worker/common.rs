//! Helpers for the worker's integration tests: a worker running in the test
//! process, a config tuned for fast tests, and a recording handler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redspin_core::{Backoff, KeySchema};
use redspin_queue::QueueClient;
use redspin_testsupport::TestRedis;
use redspin_worker::{HandlerError, JobContext, Registry, RunSummary, Worker, WorkerConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use redspin_testsupport::receiver::Receiver;

pub use redspin_testsupport::eventually;

pub const WAIT: Duration = Duration::from_secs(20);

/// Settings for tests: quick recovery and backoff.
pub fn config(redis: &TestRedis) -> WorkerConfig {
    WorkerConfig {
        redis_url: redis.url().to_owned(),
        schema: KeySchema::new(redis.prefix.clone()).unwrap(),
        concurrency: 16,
        recovery_timeout: Duration::from_millis(1500),
        shutdown_grace: Duration::from_secs(2),
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        ..WorkerConfig::default()
    }
}

pub async fn client(redis: &TestRedis) -> QueueClient {
    QueueClient::connect(redis.url(), KeySchema::new(redis.prefix.clone()).unwrap())
        .await
        .unwrap()
}

/// A worker running in this process until [`stop`](TestWorker::stop).
pub struct TestWorker {
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<redspin_worker::Result<RunSummary>>,
    pub id: String,
}

impl TestWorker {
    pub fn start(config: WorkerConfig, registry: Registry) -> Self {
        let (tx, rx) = oneshot::channel::<()>();
        let id = config.worker_id.clone();
        let handle = tokio::spawn(Worker::new(config, registry).run(async move {
            let _ = rx.await;
        }));
        Self {
            stop: Some(tx),
            handle,
            id,
        }
    }

    pub async fn stop(mut self) -> RunSummary {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.handle)
            .await
            .expect("worker task")
            .expect("worker run")
    }
}

/// One handler call as the recorder saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: String,
    pub attempts: u32,
    pub run_at: u64,
    pub at: Instant,
    pub at_ms: u64,
}

/// Records every call of job type `kind` and answers with `answer`.
#[derive(Clone, Default)]
pub struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Recorder {
    pub fn register<F>(&self, registry: &mut Registry, kind: &str, answer: F)
    where
        F: Fn(&Call) -> Result<(), HandlerError> + Send + Sync + 'static,
    {
        let calls = self.calls.clone();
        let answer = Arc::new(answer);
        registry.register(kind, move |ctx: JobContext| {
            let call = Call {
                id: ctx.job.id.clone(),
                attempts: ctx.job.attempts,
                run_at: ctx.job.run_at,
                at: Instant::now(),
                at_ms: redspin_queue::now_ms(),
            };
            calls.lock().unwrap().push(call.clone());
            let out = answer(&call);
            async move { out }
        });
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    /// Calls per job id.
    pub fn per_id(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for c in self.calls() {
            *m.entry(c.id).or_insert(0) += 1;
        }
        m
    }
}

/// Polls the queue's stats until `done` reaches `n`.
pub async fn wait_done(client: &QueueClient, queue: &str, n: u64) {
    eventually(WAIT, &format!("{n} jobs done"), || async {
        let s = client.stats(queue).await.unwrap();
        (s.done >= n).then_some(())
    })
    .await;
}

/// Polls the queue's dead set until it holds `n` entries; returns them,
/// newest first.
pub async fn wait_dead(
    client: &QueueClient,
    queue: &str,
    n: usize,
) -> Vec<redspin_core::ops::DeadEntry> {
    eventually(WAIT, &format!("{n} dead jobs"), || async {
        let dead = client.dead_list(queue, 0, n.max(10)).await.unwrap();
        (dead.len() >= n).then_some(dead)
    })
    .await
}

/// A child process killed (SIGKILL) and reaped when dropped, so a failing
/// test leaves no worker behind.
pub struct Proc(pub std::process::Child);

impl Proc {
    /// Kills it now (SIGKILL) and waits for it.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Enqueues `new` the way an older or careless producer might: straight
/// through the enqueue script, with no judgement of its payload (what
/// `QueueClient::enqueue` would refuse). The worker must still cope.
pub async fn enqueue_unchecked(client: &QueueClient, queue: &str, new: redspin_core::NewJob) {
    let now = redspin_queue::now_ms();
    let job = redspin_core::Job {
        id: uuid_like(),
        kind: new.kind,
        payload: new.payload,
        attempts: 0,
        max_attempts: new.max_attempts.unwrap_or(5),
        enqueued_at: now,
        run_at: now,
        last_error: None,
        timeout_ms: None,
        unique_key: None,
        traceparent: None,
        tracestate: None,
    };
    let q = client.schema().queue(queue).unwrap();
    client
        .connection()
        .run(&redspin_core::ops::Enqueue {
            queue: &q,
            job: &job,
            now_ms: now,
        })
        .await
        .unwrap();
}

/// A fresh job id (the envelope's id need not be a UUID; this is unique).
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "unchecked-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `redspin-worker` with `args` against `redis`: (success, stdout,
/// stderr).
pub fn cli(redis: &TestRedis, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
        .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
