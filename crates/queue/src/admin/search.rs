//! A job by id, wherever it is: its status record and its envelope.

use redis::AsyncCommands;
use redspin_core::ops::JobStatus;
use redspin_core::{Job, QueueKeys};

use super::{pick, Admin, Entry, JobView, Set, READY_SEARCH_LIMIT, READY_SEARCH_STEP};
use crate::error::Result;

impl Admin {
    /// A job by id, in any queue: its status record and, where it is still
    /// queued, scheduled, running or dead, its envelope.
    pub async fn job(&self, id: &str) -> Result<Option<JobView>> {
        for name in self.queues().await? {
            let Some(status) = self.client.status(&name, id).await? else {
                continue;
            };
            let q = self.queue(&name)?;
            let (envelope, at) = self.locate(&q, &status).await?;
            return Ok(Some(JobView {
                status,
                envelope,
                at,
            }));
        }
        Ok(None)
    }

    async fn locate(&self, q: &QueueKeys, s: &JobStatus) -> Result<(Option<Job>, Option<u64>)> {
        use redspin_core::JobState::*;
        let found = |e: Option<Entry>| e.map(|e| (e.job, Some(e.at))).unwrap_or((None, None));
        Ok(match s.state {
            Scheduled | Failed => match s.run_at {
                Some(at) => found(self.find(q, Set::Scheduled, &s.id, at).await?),
                None => (None, None),
            },
            Dead => match s.updated_at {
                Some(at) => found(self.find(q, Set::Dead, &s.id, at).await?),
                None => (None, None),
            },
            Running => (self.in_processing(q, &s.id).await?, None),
            Queued => (self.in_ready(q, &s.id).await?, None),
            Done | Cancelled => (None, None),
        })
    }

    async fn in_processing(&self, q: &QueueKeys, id: &str) -> Result<Option<Job>> {
        let mut conn = self.client.connection().raw();
        let workers: Vec<String> = conn.smembers(q.workers()).await?;
        for w in workers {
            let raws: Vec<Vec<u8>> = conn.lrange(q.processing(&w), 0, -1).await?;
            if let Some(job) = pick(raws, id) {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// Walks the ready list in steps, up to [`READY_SEARCH_LIMIT`] entries.
    async fn in_ready(&self, q: &QueueKeys, id: &str) -> Result<Option<Job>> {
        let mut conn = self.client.connection().raw();
        let mut start = 0;
        while start < READY_SEARCH_LIMIT {
            let raws: Vec<Vec<u8>> = conn
                .lrange(q.ready(), start, start + READY_SEARCH_STEP - 1)
                .await?;
            let n = raws.len() as isize;
            if let Some(job) = pick(raws, id) {
                return Ok(Some(job));
            }
            if n < READY_SEARCH_STEP {
                break;
            }
            start += n;
        }
        Ok(None)
    }
}
