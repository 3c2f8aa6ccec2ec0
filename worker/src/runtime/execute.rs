//! One job, from claimed envelope to its outcome: decode, look up the
//! handler, run it (a panic is a failed attempt), then ack, retry or bury.
//! The envelope stays held (see `inflight`) until its outcome is recorded.

use std::sync::Arc;
use std::time::Instant;

use redspin_core::ops::{Bury, Retry};
use redspin_core::{Job, QueueKeys};
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::{acker::AckItem, inflight::Held, ms, persist, Shared};
use crate::handler::{HandlerError, JobContext};
use crate::metrics::Metrics;
use redspin_queue::now_ms;

/// The job type given to unreadable envelopes kept in the dead set.
pub const MALFORMED_TYPE: &str = "malformed";

pub(crate) async fn run(
    shared: Arc<Shared>,
    queue: QueueKeys,
    held: Held,
    lost: u32,
    _permit: OwnedSemaphorePermit,
    acks: mpsc::Sender<AckItem>,
) {
    let raw = held.raw().to_vec();
    let job = match Job::from_json(&raw) {
        Ok(job) => job,
        Err(e) => {
            let keep = malformed(&raw, &e.to_string());
            tracing::warn!(queue = queue.name(), id = %keep.id, error = %e, "malformed envelope moved to the dead set");
            bury(&shared, &queue, &raw, keep).await;
            return;
        }
    };
    if lost > 0 && job.attempts.saturating_add(lost) >= job.max_attempts {
        let error = format!(
            "the job was running on a worker that died {} time(s); giving up after {} attempt(s)",
            lost, job.max_attempts
        );
        let keep = job.failed(&error, job.run_at);
        bury(&shared, &queue, &raw, keep).await;
        return;
    }
    let Some(handler) = shared.registry.get(&job.kind) else {
        let error = format!("no handler for job type {:?}", job.kind);
        tracing::warn!(queue = queue.name(), id = %job.id, "{error}");
        let keep = job.failed(&error, job.run_at);
        bury(&shared, &queue, &raw, keep).await;
        return;
    };

    let job = Arc::new(job);
    let ctx = JobContext {
        job: job.clone(),
        queue: queue.name().into(),
        redis: shared.redis.clone(),
        schema: shared.config.schema.clone(),
    };
    let started = Instant::now();
    let mut task = tokio::spawn(handler.handle(ctx));
    let joined = tokio::select! {
        r = &mut task => r,
        _ = shared.hard.cancelled() => {
            // Left in the processing list: handed back at shutdown.
            task.abort();
            return;
        }
    };
    let label = Metrics::label(queue.name());
    shared
        .metrics
        .latency
        .get_or_create(&label)
        .observe(started.elapsed().as_secs_f64());
    let outcome = match joined {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(HandlerError::retry(format!(
            "handler panicked: {}",
            panic_message(e)
        ))),
        Err(e) => Err(HandlerError::retry(format!("handler task failed: {e}"))),
    };
    match outcome {
        Ok(()) => {
            // The acker owns the job now; if it is gone (hard stop) the job
            // stays in the processing list and is handed back.
            let _ = acks
                .send(AckItem {
                    held,
                    id: job.id.clone(),
                })
                .await;
        }
        Err(HandlerError::Retry { message, after }) if !job.is_last_attempt() => {
            shared.metrics.failed.get_or_create(&label).inc();
            let retry_no = job.attempts.saturating_add(1);
            let delay = after
                .unwrap_or_else(|| shared.config.backoff.delay(retry_no, rand::random::<f64>()));
            let next = job.failed(&message, now_ms().saturating_add(ms(delay)));
            tracing::info!(queue = queue.name(), id = %job.id, kind = %job.kind, attempt = retry_no, ?delay, error = %message, "job failed; retry scheduled");
            let op = Retry {
                queue: &queue,
                worker: &shared.config.worker_id,
                raw: &raw,
                next: &next,
                now_ms: now_ms(),
            };
            if persist(&shared, "retry", &op).await == Some(true) {
                shared.metrics.retried.get_or_create(&label).inc();
            }
        }
        Err(e) => {
            shared.metrics.failed.get_or_create(&label).inc();
            let message = match &e {
                HandlerError::Retry { message, .. } => format!("{message} (attempts exhausted)"),
                HandlerError::Fail(message) => message.clone(),
            };
            tracing::warn!(queue = queue.name(), id = %job.id, kind = %job.kind, error = %message, "job failed for good");
            let keep = job.failed(&message, job.run_at);
            bury(&shared, &queue, &raw, keep).await;
        }
    }
}

async fn bury(shared: &Shared, queue: &QueueKeys, raw: &[u8], keep: Job) {
    let op = Bury {
        queue,
        worker: &shared.config.worker_id,
        raw,
        keep: &keep,
        now_ms: now_ms(),
        retention_secs: shared.config.status_retention.as_secs(),
    };
    if persist(shared, "bury", &op).await == Some(true) {
        shared
            .metrics
            .dead
            .get_or_create(&Metrics::label(queue.name()))
            .inc();
    }
}

/// The envelope kept in the dead set for bytes that are not a job. It keeps
/// the original id where one can be read, so the job's status record (which
/// the fetch script marked `running`) ends as `dead`.
fn malformed(raw: &[u8], error: &str) -> Job {
    let now = now_ms();
    let id = serde_json::from_slice::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| {
            v.get("id")?
                .as_str()
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    Job {
        id,
        kind: MALFORMED_TYPE.into(),
        payload: serde_json::Value::String(String::from_utf8_lossy(raw).into_owned()),
        attempts: 1,
        max_attempts: 1,
        enqueued_at: now,
        run_at: now,
        last_error: Some(redspin_core::job::truncate_error(&format!(
            "malformed envelope: {error}"
        ))),
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}
