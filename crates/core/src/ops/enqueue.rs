use serde::Serialize;

use crate::{scripts, CoreError, Job, JobState, Op, QueueKeys, Request, ScriptCall, Value};

/// How long a unique key's record outlives the job's due time, at most: a
/// job unfinished longer than this no longer holds its key.
pub const UNIQUE_HOLD_MS: u64 = 30 * 24 * 3600 * 1000;

/// Put a job on the ready list, or in the delay set when `run_at` is later
/// than `now_ms`; with a `unique_key`, only while no unfinished job of the
/// queue holds that key. Parses to what happened.
#[derive(Debug, Clone)]
pub struct Enqueue<'a> {
    pub queue: &'a QueueKeys,
    pub job: &'a Job,
    pub now_ms: u64,
}

/// The job enqueued, or the unfinished one holding its unique key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub id: String,
    #[serde(rename = "status")]
    pub state: JobState,
    /// Nothing was created: `id` is the job that holds the unique key.
    pub duplicate: bool,
}

impl Op for Enqueue<'_> {
    type Output = Enqueued;

    fn request(&self) -> Request {
        let q = self.queue;
        let unique = self.job.unique_key.as_deref();
        let mut keys = vec![q.ready(), q.scheduled(), q.job(&self.job.id)];
        keys.extend(unique.map(|k| q.unique(k)));
        let hold = self.job.run_at.saturating_sub(self.now_ms) + UNIQUE_HOLD_MS;
        Request::Script(ScriptCall {
            script: &scripts::ENQUEUE,
            keys,
            args: vec![
                self.job.to_json().into(),
                self.job.run_at.into(),
                self.now_ms.into(),
                self.job.kind.as_str().into(),
                self.job.max_attempts.into(),
                q.wake().into(),
                unique.unwrap_or("").into(),
                hold.into(),
                self.job.id.as_str().into(),
                q.base().into(),
                self.job.trace_id().unwrap_or("").into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<Enqueued, CoreError> {
        let mut items = reply.into_items().into_iter();
        let code = items
            .next()
            .ok_or_else(|| CoreError::reply("enqueue", "empty reply"))?
            .as_i64("enqueue")?;
        let fresh = |state| Enqueued {
            id: self.job.id.clone(),
            state,
            duplicate: false,
        };
        match code {
            0 => Ok(fresh(JobState::Queued)),
            1 => Ok(fresh(JobState::Scheduled)),
            2 => {
                let (Some(id), Some(state)) = (items.next(), items.next()) else {
                    return Err(CoreError::reply("enqueue", "duplicate without its holder"));
                };
                let state = state.into_string("enqueue")?;
                Ok(Enqueued {
                    id: id.into_string("enqueue")?,
                    state: JobState::parse(&state).ok_or_else(|| {
                        CoreError::reply("enqueue", "the holder's state is not a job state")
                    })?,
                    duplicate: true,
                })
            }
            n => Err(CoreError::reply("enqueue", format!("unexpected code {n}"))),
        }
    }
}
