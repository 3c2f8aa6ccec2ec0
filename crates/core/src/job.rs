//! The job envelope (what travels through the lists and sets) and the job
//! status record (what producers read back by id).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::CoreError;
use crate::jobs::MAX_DELAY_MS;

/// Attempts a job gets unless it says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Upper bound on `max_attempts`, so a typo cannot retry a job for years.
pub const MAX_MAX_ATTEMPTS: u32 = 100;
/// Longest job type name.
pub const MAX_TYPE_LEN: usize = 128;
/// Longest run time a job may ask for (`timeout_ms`): one day.
pub const MAX_TIMEOUT_MS: u64 = 24 * 3600 * 1000;
/// Longest unique key (bytes).
pub const MAX_UNIQUE_KEY_LEN: usize = 200;

/// A job as stored in Redis (JSON). Envelopes are immutable while queued:
/// every state change writes a new envelope (the lists are matched by exact
/// string).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// A UUID v4, also the idempotency key handlers may use.
    pub id: String,
    /// Selects the handler.
    #[serde(rename = "type")]
    pub kind: String,
    /// Handler input; any JSON value.
    #[serde(default)]
    pub payload: Json,
    /// Attempts that have finished (failed) so far.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Milliseconds since the Unix epoch.
    #[serde(default)]
    pub enqueued_at: u64,
    /// When the job may first run (ms since the epoch); equal to
    /// `enqueued_at` for immediate jobs.
    #[serde(default)]
    pub run_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// How long one attempt may run (ms); `None`: the handler's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// The unique key it holds, if any (freed when it finishes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_key: Option<String>,
    /// The W3C trace context of whoever enqueued it (`traceparent`,
    /// `tracestate`): its attempts' spans join that trace. Workers that do
    /// not know these fields ignore them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
}

/// Longest `traceparent` or `tracestate` kept in an envelope (the W3C
/// limits: 55 and 512 characters; anything longer is dropped).
pub const MAX_TRACESTATE_LEN: usize = 512;

fn default_max_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}

/// What a producer asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: Json,
    pub delay_ms: u64,
    pub max_attempts: Option<u32>,
    /// How long one attempt may run (ms); `None`: the handler's default.
    pub timeout_ms: Option<u64>,
    /// While a job with this key is unfinished in the queue, enqueueing
    /// another creates nothing ([`crate::ops::Enqueue`]).
    pub unique_key: Option<String>,
    /// The producer's trace context ([`NewJob::traced`]).
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: Json) -> Self {
        Self {
            kind: kind.into(),
            payload,
            delay_ms: 0,
            max_attempts: None,
            timeout_ms: None,
            unique_key: None,
            traceparent: None,
            tracestate: None,
        }
    }

    /// Carries the producer's trace context: a well-formed `traceparent`
    /// (version `00`, 55 characters) and a `tracestate` within 512
    /// characters are kept, anything else is dropped (tracing is never a
    /// reason to refuse a job).
    pub fn traced(mut self, traceparent: Option<&str>, tracestate: Option<&str>) -> Self {
        self.traceparent = traceparent
            .filter(|t| crate::trace::valid_traceparent(t))
            .map(str::to_owned);
        self.tracestate = tracestate
            .filter(|_| self.traceparent.is_some())
            .filter(|t| !t.is_empty() && t.len() <= MAX_TRACESTATE_LEN && t.is_ascii())
            .map(str::to_owned);
        self
    }

    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    pub fn unique_key(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n);
        self
    }

    /// Judges the request as [`into_job`](Self::into_job) will: the type's
    /// name, `max_attempts`, the delay, and a built-in type's payload.
    pub fn check(&self) -> Result<(), CoreError> {
        validate_type(&self.kind)?;
        let max_attempts = self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if !(1..=MAX_MAX_ATTEMPTS).contains(&max_attempts) {
            return Err(CoreError::InvalidJob(format!(
                "max_attempts must be between 1 and {MAX_MAX_ATTEMPTS}, got {max_attempts}"
            )));
        }
        if let Some(t) = self.timeout_ms {
            if !(1..=MAX_TIMEOUT_MS).contains(&t) {
                return Err(CoreError::InvalidJob(format!(
                    "timeout_ms must be between 1 and {MAX_TIMEOUT_MS} (a day), got {t}"
                )));
            }
        }
        if let Some(k) = &self.unique_key {
            validate_unique_key(k)?;
        }
        if self.delay_ms > MAX_DELAY_MS {
            return Err(CoreError::InvalidJob(format!(
                "delay_ms may be at most 30 days ({MAX_DELAY_MS}), got {}",
                self.delay_ms
            )));
        }
        Ok(crate::jobs::check(&self.kind, &self.payload)?)
    }

    /// Validates the request ([`check`](Self::check)) and builds the
    /// envelope with a fresh id.
    pub fn into_job(self, id: uuid::Uuid, now_ms: u64) -> Result<Job, CoreError> {
        self.check()?;
        let max_attempts = self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        Ok(Job {
            id: id.to_string(),
            kind: self.kind,
            payload: self.payload,
            attempts: 0,
            max_attempts,
            enqueued_at: now_ms,
            run_at: now_ms.saturating_add(self.delay_ms),
            last_error: None,
            timeout_ms: self.timeout_ms,
            unique_key: self.unique_key,
            traceparent: self.traceparent,
            tracestate: self.tracestate,
        })
    }
}

/// Job types are 1 to 128 printable ASCII characters without spaces.
pub fn validate_type(kind: &str) -> Result<(), CoreError> {
    if kind.is_empty() || kind.len() > MAX_TYPE_LEN || !kind.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(CoreError::InvalidJob(format!(
            "type must be 1 to {MAX_TYPE_LEN} printable characters without spaces, got {kind:?}"
        )));
    }
    Ok(())
}

/// Unique keys are 1 to 200 bytes without control characters.
pub fn validate_unique_key(key: &str) -> Result<(), CoreError> {
    if key.is_empty() || key.len() > MAX_UNIQUE_KEY_LEN || key.chars().any(char::is_control) {
        return Err(CoreError::InvalidJob(format!(
            "unique_key must be 1 to {MAX_UNIQUE_KEY_LEN} bytes without control characters"
        )));
    }
    Ok(())
}

impl Job {
    /// The trace the job belongs to (its producer's), if it carries one.
    pub fn trace_id(&self) -> Option<&str> {
        crate::trace::trace_id(self.traceparent.as_deref()?)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Job always serializes")
    }

    pub fn from_json(raw: &[u8]) -> Result<Self, CoreError> {
        let job: Job = serde_json::from_slice(raw)?;
        if job.id.is_empty() {
            return Err(CoreError::InvalidJob("envelope has an empty id".into()));
        }
        validate_type(&job.kind)?;
        Ok(job)
    }

    /// True when a failure now (after `attempts` earlier failures) is the last.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts.saturating_add(1) >= self.max_attempts
    }

    /// The envelope after one more failed attempt.
    pub fn failed(&self, error: &str, run_at: u64) -> Job {
        Job {
            attempts: self.attempts.saturating_add(1),
            last_error: Some(truncate_error(error)),
            run_at,
            ..self.clone()
        }
    }
}

/// Errors are kept short: they are stored per job and shown to people.
pub const MAX_ERROR_LEN: usize = 2048;

pub fn truncate_error(error: &str) -> String {
    if error.len() <= MAX_ERROR_LEN {
        return error.to_owned();
    }
    let mut end = MAX_ERROR_LEN;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &error[..end])
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting in the delay set for its first run.
    Scheduled,
    /// In the ready list.
    Queued,
    /// Taken by a worker.
    Running,
    /// Finished successfully.
    Done,
    /// An attempt failed; waiting in the delay set for a retry.
    Failed,
    /// Failed for good; kept in the dead set.
    Dead,
    /// Stopped by an operator or its owner: removed, never run again.
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    /// Done, dead or cancelled: nothing more will happen to it.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Dead | Self::Cancelled)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "scheduled" => Self::Scheduled,
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "dead" => Self::Dead,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_job_validation() {
        let id = uuid::Uuid::nil();
        let cases = [
            (NewJob::new("webhook", json!({"url": "https://x.y/"})), true),
            (NewJob::new("webhook", json!({})), false),
            (NewJob::new("webhook", json!({"url": "ftp://x.y/"})), false),
            (NewJob::new("cache.invalidate", json!({})), false),
            (NewJob::new("x", json!(null)).delay_ms(MAX_DELAY_MS), true),
            (
                NewJob::new("x", json!(null)).delay_ms(MAX_DELAY_MS + 1),
                false,
            ),
            (NewJob::new("x", json!(null)).delay_ms(u64::MAX), false),
            (NewJob::new("", json!({})), false),
            (NewJob::new("has space", json!({})), false),
            (NewJob::new("x", json!(null)).max_attempts(0), false),
            (NewJob::new("x", json!(null)).max_attempts(101), false),
            (NewJob::new("x", json!(null)).max_attempts(100), true),
            (NewJob::new("x", json!(null)).timeout_ms(0), false),
            (
                NewJob::new("x", json!(null)).timeout_ms(MAX_TIMEOUT_MS),
                true,
            ),
            (
                NewJob::new("x", json!(null)).timeout_ms(MAX_TIMEOUT_MS + 1),
                false,
            ),
            (NewJob::new("x", json!(null)).unique_key("k:1"), true),
            (NewJob::new("x", json!(null)).unique_key(""), false),
            (
                NewJob::new("x", json!(null)).unique_key("a".repeat(201)),
                false,
            ),
            (NewJob::new("x", json!(null)).unique_key("a\nb"), false),
        ];
        for (new, ok) in cases {
            assert_eq!(new.clone().into_job(id, 1).is_ok(), ok, "{new:?}");
        }
    }

    #[test]
    fn only_well_formed_trace_context_is_carried() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let cases = [
            (good, Some("v=1"), Some(good), Some("v=1")),
            (good, None, Some(good), None),
            (
                "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                Some("v=1"),
                None,
                None,
            ),
            (
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                None,
                None,
                None,
            ),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                None,
                None,
                None,
            ),
            ("garbage", Some("v=1"), None, None),
        ];
        for (tp, ts, want_tp, want_ts) in cases {
            let j = NewJob::new("t", Json::Null).traced(Some(tp), ts);
            assert_eq!(
                (j.traceparent.as_deref(), j.tracestate.as_deref()),
                (want_tp, want_ts),
                "{tp}"
            );
        }
        let long = "k=".to_owned() + &"v".repeat(MAX_TRACESTATE_LEN);
        assert_eq!(
            NewJob::new("t", Json::Null)
                .traced(Some(good), Some(&long))
                .tracestate,
            None
        );
        let job = NewJob::new("t", Json::Null)
            .traced(Some(good), None)
            .into_job(uuid::Uuid::nil(), 1)
            .unwrap();
        assert!(job.to_json().contains("\"traceparent\":"));
        assert!(!NewJob::new("t", Json::Null)
            .into_job(uuid::Uuid::nil(), 1)
            .unwrap()
            .to_json()
            .contains("trace"));
    }

    #[test]
    fn envelope_round_trip_and_defaults() {
        let job = NewJob::new("t", json!([1, {}]))
            .delay_ms(500)
            .into_job(uuid::Uuid::nil(), 1000)
            .unwrap();
        assert_eq!(job.run_at, 1500);
        assert_eq!(Job::from_json(job.to_json().as_bytes()).unwrap(), job);
        let minimal = Job::from_json(br#"{"id":"a","type":"t"}"#).unwrap();
        assert_eq!(minimal.max_attempts, DEFAULT_MAX_ATTEMPTS);
        assert_eq!(minimal.payload, Json::Null);
        for bad in [
            &b"nope"[..],
            br#"{"type":"t"}"#,
            br#"{"id":"","type":"t"}"#,
            br#"{"id":"a","type":""}"#,
        ] {
            assert!(
                Job::from_json(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn failure_counts_attempts() {
        let job = NewJob::new("t", Json::Null)
            .max_attempts(2)
            .into_job(uuid::Uuid::nil(), 0)
            .unwrap();
        assert!(!job.is_last_attempt());
        let once = job.failed("boom", 10);
        assert_eq!((once.attempts, once.run_at), (1, 10));
        assert_eq!(once.last_error.as_deref(), Some("boom"));
        assert!(once.is_last_attempt());
    }

    #[test]
    fn long_errors_are_truncated_on_a_char_boundary() {
        let e = "é".repeat(MAX_ERROR_LEN);
        let t = truncate_error(&e);
        assert!(t.len() <= MAX_ERROR_LEN + 3);
        assert!(t.ends_with("..."));
    }

    #[test]
    fn states_round_trip() {
        for s in [
            JobState::Scheduled,
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
            JobState::Dead,
            JobState::Cancelled,
        ] {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobState::parse("x"), None);
    }
}
