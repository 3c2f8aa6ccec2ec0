//! Enqueue jobs for the native worker, now or later, and read their status.
//! Same scripts and key schema as the worker (`redspin-core`), so a job a
//! component enqueues is one the worker runs.

use redspin_core::ops::{Enqueue, GetStatus, JobStatus};
use redspin_core::{JobState, KeySchema, NewJob, QueueKeys};

use crate::{now_ms, run, EdgeError, Redis};

/// A queue, seen from a component.
pub struct Tasks<R> {
    redis: R,
    queue: QueueKeys,
}

/// What enqueueing answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub id: String,
    /// `Queued` (runs now) or `Scheduled` (runs at its due time).
    pub state: JobState,
}

impl<R: Redis> Tasks<R> {
    /// The queue `queue` (see `redspin_core::keys` for valid names).
    pub fn new(redis: R, keys: &KeySchema, queue: &str) -> Result<Self, EdgeError> {
        Ok(Self {
            redis,
            queue: keys.queue(queue)?,
        })
    }

    /// Puts a job on the queue, or in the delay set when it has a delay.
    /// Invalid jobs (empty type, too many attempts...) are an error before
    /// Redis is asked.
    pub fn enqueue(&self, job: NewJob) -> Result<Enqueued, EdgeError> {
        let now = now_ms();
        let job = job.into_job(uuid::Uuid::new_v4(), now)?;
        let state = run(
            &self.redis,
            &Enqueue {
                queue: &self.queue,
                job: &job,
                now_ms: now,
            },
        )?;
        Ok(Enqueued { id: job.id, state })
    }

    /// The status record of job `id`; `None` for an unknown or expired one.
    pub fn status(&self, id: &str) -> Result<Option<JobStatus>, EdgeError> {
        run(
            &self.redis,
            &GetStatus {
                queue: &self.queue,
                id,
            },
        )
    }
}
