//! Enqueue jobs for the native worker, now or later, and read their status.
//! Same scripts and key schema as the worker (`redspin-core`), so a job a
//! component enqueues is one the worker runs.

use redspin_core::ops::{Cancel, Cancelled, Enqueue, GetStatus, JobStatus};
use redspin_core::{Job, KeySchema, NewJob, QueueKeys};

use crate::{now_ms, run, EdgeError, Redis};

/// How long an owner record outlives its job's due time: past the worker's
/// default status retention (24 h).
const OWNER_RECORD_MS: u64 = 2 * 24 * 3600 * 1000;
/// How long a reservation without a status counts as in flight.
const RESERVE_GRACE_MS: u64 = 60_000;

/// A queue, seen from a component.
pub struct Tasks<R> {
    redis: R,
    queue: QueueKeys,
}

/// What enqueueing answered: the new job (`Queued` or `Scheduled`), or
/// with `duplicate` the unfinished one holding its unique key.
pub use redspin_core::ops::Enqueued;

/// How long a cancelled job's status stays readable: the worker's default
/// status retention.
const CANCELLED_RETENTION_SECS: u64 = 24 * 3600;

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
    pub async fn enqueue(&self, job: NewJob) -> Result<Enqueued, EdgeError> {
        let now = now_ms();
        let job = job.into_job(uuid::Uuid::new_v4(), now)?;
        self.push(job, now).await
    }

    async fn push(&self, job: Job, now: u64) -> Result<Enqueued, EdgeError> {
        run(
            &self.redis,
            &Enqueue {
                queue: &self.queue,
                job: &job,
                now_ms: now,
            },
        )
        .await
    }

    /// Cancels job `id` ([`Cancel`]): removed if waiting, aborted by its
    /// worker if running, never retried; it frees its owner's quota.
    pub async fn cancel(&self, id: &str) -> Result<Cancelled, EdgeError> {
        let op = Cancel {
            queue: &self.queue,
            id,
            now_ms: now_ms(),
            retention_secs: CANCELLED_RETENTION_SECS,
        };
        run(&self.redis, &op).await
    }

    /// Enqueues `job` for `owner` (`user:ID`) unless the owner already has
    /// `max_unfinished` tasks not done or dead (`None` then). Who owns the
    /// job is recorded for [`owner`](Self::owner), as long as its status
    /// is kept.
    pub async fn enqueue_owned(
        &self,
        job: NewJob,
        owner: &str,
        max_unfinished: u64,
    ) -> Result<Option<Enqueued>, EdgeError> {
        let now = now_ms();
        // An owner's unique keys are its own: no one else's job can hold
        // (or reveal) them.
        let mut job = job;
        job.unique_key = job.unique_key.map(|k| format!("{owner}:{k}"));
        let unique = job.unique_key.clone();
        let job = job.into_job(uuid::Uuid::new_v4(), now)?;
        // Kept past the due time, for the worker's status retention.
        let keep_ms = job.run_at.saturating_sub(now) + OWNER_RECORD_MS;
        let reserved = crate::redis::script(
            &self.redis,
            &crate::scripts::TASK_RESERVE,
            vec![self.queue.owned(owner), self.queue.owner(&job.id)],
            vec![
                job.id.as_str().into(),
                owner.into(),
                max_unfinished.into(),
                now.into(),
                keep_ms.into(),
                self.queue.base().into(),
                RESERVE_GRACE_MS.into(),
            ],
        )
        .await?;
        if reserved
            .into_items()
            .pop()
            .and_then(|v| v.as_i64("reserve").ok())
            != Some(1)
        {
            // At the quota, a duplicate still answers with its holder:
            // it would create nothing.
            return match unique {
                Some(key) => self.holder(&key).await,
                None => Ok(None),
            };
        }
        let reserved_id = job.id.clone();
        let enqueued = self.push(job, now).await?;
        if enqueued.duplicate {
            // Nothing was created: the reservation goes (best effort: it
            // lapses after the grace anyway).
            let free = redspin_core::Command::new("ZREM")
                .arg(self.queue.owned(owner))
                .arg(&reserved_id);
            let _ = self.redis.execute(&free).await;
        }
        Ok(Some(enqueued))
    }

    /// The unfinished job holding unique key `key`, if any.
    async fn holder(&self, key: &str) -> Result<Option<Enqueued>, EdgeError> {
        let get = redspin_core::Command::new("GET").arg(self.queue.unique(key));
        let reply = self.redis.execute(&get).await?;
        let Some(id) = crate::redis::optional_bytes(reply, "unique")? else {
            return Ok(None);
        };
        let id = String::from_utf8_lossy(&id).into_owned();
        Ok(match self.status(&id).await? {
            Some(s) if !s.state.is_finished() => Some(Enqueued {
                id,
                state: s.state,
                duplicate: true,
            }),
            _ => None,
        })
    }

    /// Who enqueued job `id` with [`enqueue_owned`](Self::enqueue_owned).
    pub async fn owner(&self, id: &str) -> Result<Option<String>, EdgeError> {
        let get = redspin_core::Command::new("GET").arg(self.queue.owner(id));
        let reply = self.redis.execute(&get).await?;
        Ok(crate::redis::optional_bytes(reply, "owner")?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// The status record of job `id`; `None` for an unknown or expired one.
    pub async fn status(&self, id: &str) -> Result<Option<JobStatus>, EdgeError> {
        run(
            &self.redis,
            &GetStatus {
                queue: &self.queue,
                id,
            },
        )
        .await
    }
}
