//! Each attempt's span: OpenTelemetry messaging conventions (kind
//! CONSUMER, `messaging.*`, the job's id, attempt and outcome), in the
//! trace whose context the envelope carries; its promotion from the delay
//! queue, a retry or the move to the dead set is an event on it.

use redspin_core::{Job, QueueKeys};
use redspin_telemetry::propagation::W3c;

use super::execute::Verdict;
use super::ms;

/// The span of one attempt (OpenTelemetry messaging conventions, kind
/// CONSUMER), in the trace of whoever enqueued the job.
pub(crate) fn attempt_span(queue: &QueueKeys, job: &Job) -> tracing::Span {
    let span = tracing::info_span!(
        "process",
        otel.name = %format!("process {}", queue.name()),
        otel.kind = "consumer",
        messaging.system = "redspin",
        messaging.operation.type = "process",
        messaging.destination.name = %queue.name(),
        messaging.message.id = %job.id,
        redspin.job.type = %job.kind,
        redspin.job.attempt = i64::from(job.attempts.saturating_add(1)),
        redspin.outcome = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let w3c = job.traceparent.clone().map(|traceparent| W3c {
        traceparent,
        tracestate: job.tracestate.clone(),
    });
    redspin_telemetry::propagation::set_parent(&span, w3c.as_ref());
    span
}

/// The attempt starts at `now_ms`: a job that waited in the delay queue
/// (a delay, or a retry's backoff) gets the event `promoted`. Returns how
/// long past its due time it started, in seconds.
pub(crate) fn started(span: &tracing::Span, job: &Job, now_ms: u64) -> f64 {
    let late_ms = now_ms.saturating_sub(job.run_at);
    if job.run_at > job.enqueued_at {
        let attrs = [
            (
                "redspin.job.due_ms",
                i64::try_from(job.run_at).unwrap_or(i64::MAX),
            ),
            (
                "redspin.job.late_ms",
                i64::try_from(late_ms).unwrap_or(i64::MAX),
            ),
        ];
        redspin_telemetry::propagation::add_event(span, "promoted", &attrs);
    }
    late_ms as f64 / 1000.0
}

/// The attempt's outcome on its span: retries and dead-lettering as events.
pub(crate) fn record(span: &tracing::Span, verdict: &Verdict) {
    match verdict {
        Verdict::Done => {
            span.record("redspin.outcome", "done");
        }
        Verdict::Retry { next, delay } => {
            span.record("redspin.outcome", "retry");
            span.record("otel.status_code", "ERROR");
            span.in_scope(|| {
                tracing::info!(
                    retry_in_ms = ms(*delay),
                    attempt = next.attempts,
                    "retry scheduled"
                )
            });
        }
        Verdict::Bury(_) => {
            span.record("redspin.outcome", "dead");
            span.record("otel.status_code", "ERROR");
            span.in_scope(|| tracing::info!("moved to the dead set"));
        }
    }
}
