use crate::{scripts, CoreError, Job, JobState, Op, QueueKeys, Request, ScriptCall, Value};

/// Put a job on the ready list, or in the delay set when `run_at` is later
/// than `now_ms`. Parses to the job's initial state.
#[derive(Debug, Clone)]
pub struct Enqueue<'a> {
    pub queue: &'a QueueKeys,
    pub job: &'a Job,
    pub now_ms: u64,
}

impl Op for Enqueue<'_> {
    type Output = JobState;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::ENQUEUE,
            keys: vec![q.ready(), q.scheduled(), q.job(&self.job.id)],
            args: vec![
                self.job.to_json().into(),
                self.job.run_at.into(),
                self.now_ms.into(),
                self.job.kind.as_str().into(),
                self.job.max_attempts.into(),
                q.wake().into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<JobState, CoreError> {
        Ok(if super::as_flag("enqueue", reply)? {
            JobState::Scheduled
        } else {
            JobState::Queued
        })
    }
}
