//! One job, from claimed envelope to its outcome: decode, look up the
//! handler, run it (a panic is a failed attempt), then ack, retry or bury.
//! The envelope stays held (see `inflight`) until its outcome is recorded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redspin_core::error::Chain;
use redspin_core::ops::{Bury, Discard, Retry};
use redspin_core::{Backoff, Job, QueueKeys};
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::{acker::AckItem, inflight::Held, ms, persist, Shared};
use crate::handler::{Handler, HandlerError, JobContext};
use redspin_queue::now_ms;
use tracing::Instrument;

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
    let (job, handler) = match admit(&raw, lost, |kind| shared.registry.get(kind)) {
        Admit::Run(job, handler) => (job, handler),
        Admit::Bury(keep) => {
            tracing::warn!(queue = queue.name(), id = %keep.id, error = keep.last_error.as_deref().unwrap_or(""), "job not run; moved to the dead set");
            return bury(&shared, &queue, &raw, keep).await;
        }
    };
    let span = super::trace::attempt_span(&queue, &job);
    let late = super::trace::started(&span, &job, now_ms());
    shared.metrics.lateness.observe(queue.name(), late);
    let outcome = match attempt(&shared, &queue, &job, handler, &span).await {
        Ran::Finished(outcome) => outcome,
        Ran::Stopped => {
            span.record("redspin.outcome", "stopped");
            return; // Left in the processing list, handed back.
        }
        Ran::Cancelled => {
            span.record("redspin.outcome", "cancelled");
            return discard(&shared, &queue, &raw, &job).await;
        }
    };
    let jitter = rand::random::<f64>();
    let verdict = verdict(&job, outcome, &shared.config.backoff, jitter, now_ms());
    super::trace::record(&span, &verdict);
    match verdict {
        Verdict::Done => {
            // The acker owns the job now; if it is gone (hard stop) the job
            // stays in the processing list and is handed back.
            let (id, unique) = (job.id.clone(), job.unique_key.clone());
            let _ = acks.send(AckItem { held, id, unique }).await;
        }
        Verdict::Retry { next, delay } => {
            shared.metrics.failed.add(queue.name(), 1);
            tracing::info!(queue = queue.name(), id = %job.id, kind = %job.kind, attempt = next.attempts, ?delay, error = next.last_error.as_deref().unwrap_or(""), "job failed; retry scheduled");
            let op = Retry {
                queue: &queue,
                worker: &shared.config.worker_id,
                raw: &raw,
                next: &next,
                now_ms: now_ms(),
            };
            if persist(&shared, "retry", &op).await == Some(true) {
                shared.metrics.retried.add(queue.name(), 1);
            }
        }
        Verdict::Bury(keep) => {
            shared.metrics.failed.add(queue.name(), 1);
            tracing::warn!(queue = queue.name(), id = %job.id, kind = %job.kind, error = keep.last_error.as_deref().unwrap_or(""), "job failed for good");
            bury(&shared, &queue, &raw, keep).await;
        }
    }
}

/// Whether a claimed envelope runs at all.
enum Admit<H> {
    Run(Job, H),
    /// Not run: the envelope to keep in the dead set, with why.
    Bury(Job),
}

/// Decides before running: bytes that are not a job, a job whose workers
/// kept dying until its attempts are spent, a type without a handler.
fn admit<H>(raw: &[u8], lost: u32, handler: impl FnOnce(&str) -> Option<H>) -> Admit<H> {
    let job = match Job::from_json(raw) {
        Ok(job) => job,
        Err(e) => return Admit::Bury(malformed(raw, &Chain(&e).to_string())),
    };
    if lost > 0 && job.attempts.saturating_add(lost) >= job.max_attempts {
        let error = format!(
            "the job was running on a worker that died {lost} time(s); giving up after {} attempt(s)",
            job.max_attempts
        );
        return Admit::Bury(job.failed(&error, job.run_at));
    }
    match handler(&job.kind) {
        Some(h) => Admit::Run(job, h),
        None => {
            let error = format!("no handler for job type {:?}", job.kind);
            Admit::Bury(job.failed(&error, job.run_at))
        }
    }
}

/// How an attempt ended.
enum Ran {
    /// The handler returned (a panic or a timeout is a failure).
    Finished(Result<(), HandlerError>),
    /// The job was cancelled: its handler was aborted.
    Cancelled,
    /// The grace period ended first: the handler was aborted.
    Stopped,
}

/// Runs the handler within its time limit (the job's `timeout_ms`, else
/// the handler's default) and times it; aborts it when the job is
/// cancelled or the worker's grace period ends.
async fn attempt(
    shared: &Shared,
    queue: &QueueKeys,
    job: &Job,
    handler: Arc<dyn Handler>,
    span: &tracing::Span,
) -> Ran {
    let limit = job
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or_else(|| handler.timeout());
    let ctx = JobContext {
        job: Arc::new(job.clone()),
        queue: queue.name().into(),
        redis: shared.redis.clone(),
        schema: shared.config.schema.clone(),
    };
    let entered = shared.running.enter(queue.name(), &job.id);
    let started = Instant::now();
    let mut task = tokio::spawn(handler.handle(ctx).instrument(span.clone()));
    let joined = tokio::select! {
        r = &mut task => r,
        _ = tokio::time::sleep(limit) => {
            task.abort();
            let error = format!("timed out after {} ms", ms(limit));
            return Ran::Finished(Err(HandlerError::retry(error)));
        }
        _ = entered.token.cancelled() => {
            task.abort();
            return Ran::Cancelled;
        }
        _ = shared.hard.cancelled() => {
            task.abort();
            return Ran::Stopped;
        }
    };
    let took = started.elapsed().as_secs_f64();
    shared.metrics.duration.observe(queue.name(), took);
    Ran::Finished(match joined {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(HandlerError::retry(format!(
            "handler panicked: {}",
            panic_message(e)
        ))),
        Err(e) => Err(HandlerError::retry(format!("handler task failed: {e}"))),
    })
}

/// A cancelled job leaves the processing list; it is never retried.
async fn discard(shared: &Shared, queue: &QueueKeys, raw: &[u8], job: &Job) {
    tracing::info!(queue = queue.name(), id = %job.id, kind = %job.kind, "job cancelled; its handler was aborted");
    let op = Discard {
        queue,
        worker: &shared.config.worker_id,
        raw,
    };
    persist(shared, "discard", &op).await;
}

/// What an attempt's outcome means for the job.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    Done,
    /// Scheduled again: the envelope with its attempt counted, due after
    /// `delay`.
    Retry {
        next: Job,
        delay: Duration,
    },
    /// Failed for good: the envelope to keep in the dead set.
    Bury(Job),
}

/// Decides after running: done, another try after the handler's delay or
/// the backoff's (`jitter` in [0, 1)), or the dead set once attempts are
/// spent or the failure is permanent.
fn verdict(
    job: &Job,
    outcome: Result<(), HandlerError>,
    backoff: &Backoff,
    jitter: f64,
    now: u64,
) -> Verdict {
    match outcome {
        Ok(()) => Verdict::Done,
        Err(HandlerError::Retry { message, after }) if !job.is_last_attempt() => {
            let retry_no = job.attempts.saturating_add(1);
            let delay = after.unwrap_or_else(|| backoff.delay(retry_no, jitter));
            let next = job.failed(&message, now.saturating_add(ms(delay)));
            Verdict::Retry { next, delay }
        }
        Err(HandlerError::Retry { message, .. }) => {
            Verdict::Bury(job.failed(&format!("{message} (attempts exhausted)"), job.run_at))
        }
        Err(HandlerError::Fail(message)) => Verdict::Bury(job.failed(&message, job.run_at)),
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
        limit: shared.config.dead_limit,
    };
    if persist(shared, "bury", &op).await == Some(true) {
        shared.metrics.dead.add(queue.name(), 1);
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
        timeout_ms: None,
        unique_key: None,
        traceparent: None,
        tracestate: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use redspin_core::NewJob;

    fn job(attempts: u32, max: u32) -> Job {
        let mut j = NewJob::new("t", serde_json::Value::Null)
            .max_attempts(max)
            .into_job(uuid::Uuid::nil(), 1_000)
            .unwrap();
        j.attempts = attempts;
        j
    }

    #[test]
    fn an_attempts_outcome_decides_the_jobs_fate() {
        let backoff = Backoff::default();
        let after = Some(Duration::from_secs(7));
        let cases: [(Job, Result<(), HandlerError>, &str); 6] = [
            (job(0, 3), Ok(()), "done"),
            (
                job(0, 3),
                Err(HandlerError::retry("flaky")),
                "retry backoff",
            ),
            (
                job(1, 3),
                Err(HandlerError::Retry {
                    message: "429".into(),
                    after,
                }),
                "retry 7s",
            ),
            (
                job(2, 3),
                Err(HandlerError::retry("flaky")),
                "bury flaky (attempts exhausted)",
            ),
            (
                job(0, 3),
                Err(HandlerError::fail("bad payload")),
                "bury bad payload",
            ),
            (
                job(0, 1),
                Err(HandlerError::retry("once")),
                "bury once (attempts exhausted)",
            ),
        ];
        for (j, outcome, want) in cases {
            let got = match verdict(&j, outcome, &backoff, 0.5, 10_000) {
                Verdict::Done => "done".to_owned(),
                Verdict::Retry { next, delay } => {
                    assert_eq!(next.attempts, j.attempts + 1);
                    assert_eq!(next.run_at, 10_000 + ms(delay));
                    if delay == Duration::from_secs(7) {
                        "retry 7s".into()
                    } else {
                        assert_eq!(delay, backoff.delay(j.attempts + 1, 0.5));
                        "retry backoff".into()
                    }
                }
                Verdict::Bury(keep) => {
                    assert_eq!(keep.attempts, j.attempts + 1);
                    format!("bury {}", keep.last_error.unwrap())
                }
            };
            assert_eq!(got, want, "{j:?}");
        }
    }

    #[test]
    fn what_cannot_run_is_buried_before_it_runs() {
        let ok = job(0, 3).to_json();
        let other = job(0, 3).to_json().replace("\"t\"", "\"u\"");
        let known = |k: &str| (k == "t").then_some(());
        assert!(matches!(admit(ok.as_bytes(), 0, known), Admit::Run(..)));
        let cases: [(&[u8], u32, &str); 3] = [
            (
                b"not json",
                0,
                "malformed envelope: not a job envelope: expected ident",
            ),
            (ok.as_bytes(), 3, "died 3 time(s)"),
            (other.as_bytes(), 0, "no handler for job type \"u\""),
        ];
        for (raw, lost, want) in cases {
            let Admit::Bury(keep) = admit(raw, lost, known) else {
                panic!("{want}: should not run");
            };
            assert!(keep.last_error.unwrap().contains(want), "{want}");
        }
    }
}
