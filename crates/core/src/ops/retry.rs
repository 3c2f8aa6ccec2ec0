use crate::{scripts, CoreError, Job, Op, QueueKeys, Request, ScriptCall, Value};

/// Reschedule a failed job (`next` is [`Job::failed`] of the job as taken).
#[derive(Debug, Clone)]
pub struct Retry<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub raw: &'a [u8],
    pub next: &'a Job,
    pub now_ms: u64,
}

impl Op for Retry<'_> {
    /// False when the job was no longer owned by this worker.
    type Output = bool;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::RETRY,
            keys: vec![
                q.processing(self.worker),
                q.scheduled(),
                q.job(&self.next.id),
                q.stats(),
                q.minute(super::minute_of(self.now_ms)),
            ],
            args: vec![
                crate::Arg::Bytes(self.raw.to_vec()),
                self.next.to_json().into(),
                self.next.run_at.into(),
                self.now_ms.into(),
                self.next.attempts.into(),
                self.next.last_error.clone().unwrap_or_default().into(),
                q.wake().into(),
                super::MINUTE_TTL_SECS.into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<bool, CoreError> {
        super::as_flag("retry", reply)
    }
}

/// Move a job to the dead set. `raw` is what the worker took from its
/// processing list; `keep` is the envelope to store (with its last error).
#[derive(Debug, Clone)]
pub struct Bury<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub raw: &'a [u8],
    pub keep: &'a Job,
    pub now_ms: u64,
    pub retention_secs: u64,
    pub limit: DeadLimit,
}

/// How much the dead set keeps: Sidekiq's bounds by default, the newest
/// 10 000 jobs of the last 180 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadLimit {
    /// At least 1.
    pub max_jobs: u64,
    pub max_age_ms: u64,
}

impl Default for DeadLimit {
    fn default() -> Self {
        Self {
            max_jobs: 10_000,
            max_age_ms: 180 * 24 * 3600 * 1000,
        }
    }
}

impl Op for Bury<'_> {
    /// False when the job was no longer owned by this worker.
    type Output = bool;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::BURY,
            keys: vec![
                q.processing(self.worker),
                q.dead(),
                q.job(&self.keep.id),
                q.stats(),
                q.minute(super::minute_of(self.now_ms)),
            ],
            args: vec![
                crate::Arg::Bytes(self.raw.to_vec()),
                self.keep.to_json().into(),
                self.now_ms.into(),
                self.keep.attempts.into(),
                self.keep.last_error.clone().unwrap_or_default().into(),
                self.retention_secs.max(1).into(),
                super::MINUTE_TTL_SECS.into(),
                self.limit.max_jobs.max(1).into(),
                self.limit.max_age_ms.into(),
                q.base().into(),
                self.keep.id.as_str().into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<bool, CoreError> {
        super::as_flag("bury", reply)
    }
}
