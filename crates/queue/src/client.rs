//! The producer's and operator's side of the queue: enqueue, job status,
//! stats and dead-set management. The CLI is a thin layer over this.

use redis::AsyncCommands;
use redspin_core::ops::{
    Cancel, Cancelled, DeadEntry, Enqueue, GetStatus, JobStatus, ListDead, PurgeDead, QueueStats,
    Revive, Stats,
};
use redspin_core::{keys::DEFAULT_QUEUE, Job, JobState, KeySchema, NewJob};

use crate::connection::{Connection, Endpoint};
use crate::error::{QueueError, Result};
use crate::now_ms;

/// Page size when walking the dead set.
const PAGE: usize = 500;

/// Which dead jobs an operation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    Ids(Vec<String>),
}

#[derive(Clone)]
pub struct QueueClient {
    conn: Connection,
    schema: KeySchema,
}

impl QueueClient {
    pub async fn connect(url: &str, schema: KeySchema) -> Result<Self> {
        Ok(Self::new(Connection::connect(url).await?, schema))
    }

    /// Connects to a server or a cluster.
    pub async fn connect_to(endpoint: &Endpoint, schema: KeySchema) -> Result<Self> {
        let conn = Connection::open(endpoint, std::time::Duration::from_secs(5)).await?;
        Ok(Self::new(conn, schema))
    }

    pub fn new(conn: Connection, schema: KeySchema) -> Self {
        Self { conn, schema }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn schema(&self) -> &KeySchema {
        &self.schema
    }

    /// Enqueues a job; returns its envelope and initial state. With a
    /// unique key held by an unfinished job, creates nothing and fails
    /// with [`QueueError::Duplicate`] naming that job.
    pub async fn enqueue(&self, queue: &str, new: NewJob) -> Result<(Job, JobState)> {
        let q = self.schema.queue(queue)?;
        let now = now_ms();
        let job = new.into_job(uuid::Uuid::new_v4(), now)?;
        let done = self
            .conn
            .run(&Enqueue {
                queue: &q,
                job: &job,
                now_ms: now,
            })
            .await?;
        if done.duplicate {
            return Err(QueueError::Duplicate {
                id: done.id,
                state: done.state,
            });
        }
        Ok((job, done.state))
    }

    /// Cancels job `id` ([`Cancel`]); `retention` is how long its status
    /// stays readable.
    pub async fn cancel(
        &self,
        queue: &str,
        id: &str,
        retention: std::time::Duration,
    ) -> Result<Cancelled> {
        let q = self.schema.queue(queue)?;
        let op = Cancel {
            queue: &q,
            id,
            now_ms: now_ms(),
            retention_secs: retention.as_secs(),
        };
        self.conn.run(&op).await
    }

    /// Waits until `replicas` replicas hold every write this client made so
    /// far (Redis `WAIT`), e.g. right after [`enqueue`](Self::enqueue): the
    /// job then survives a failover to one of them. An error names job `id`
    /// (it is enqueued on the primary either way).
    pub async fn confirm_replicated(
        &self,
        id: &str,
        replicas: u32,
        timeout: std::time::Duration,
    ) -> Result<()> {
        let timeout_ms = u64::try_from(timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let got: u32 = redis::cmd("WAIT")
            .arg(replicas)
            .arg(timeout_ms)
            .query_async(&mut self.conn.raw())
            .await?;
        if got < replicas {
            return Err(QueueError::NotReplicated {
                id: id.to_owned(),
                wanted: replicas,
                got,
                timeout_ms,
            });
        }
        Ok(())
    }

    /// Records `queue` in the set of known queues (for `stats`).
    pub async fn register_queue(&self, queue: &str) -> Result<()> {
        let q = self.schema.queue(queue)?;
        let _: i64 = self.conn.raw().sadd(self.schema.queues(), q.name()).await?;
        Ok(())
    }

    pub async fn status(&self, queue: &str, id: &str) -> Result<Option<JobStatus>> {
        let q = self.schema.queue(queue)?;
        self.conn.run(&GetStatus { queue: &q, id }).await
    }

    /// Every queue ever registered, plus `default`, sorted.
    pub async fn known_queues(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self.conn.raw().smembers(self.schema.queues()).await?;
        if !names.iter().any(|n| n == DEFAULT_QUEUE) {
            names.push(DEFAULT_QUEUE.into());
        }
        names.sort();
        Ok(names)
    }

    pub async fn stats(&self, queue: &str) -> Result<QueueStats> {
        let q = self.schema.queue(queue)?;
        self.conn.run(&Stats { queue: &q }).await
    }

    /// A page of the dead set, newest first.
    pub async fn dead_list(
        &self,
        queue: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DeadEntry>> {
        let q = self.schema.queue(queue)?;
        self.conn
            .run(&ListDead {
                queue: &q,
                offset,
                limit,
            })
            .await
    }

    /// The dead entries matching `selection`.
    async fn select_dead(&self, queue: &str, selection: &Selection) -> Result<Vec<DeadEntry>> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = self.dead_list(queue, offset, PAGE).await?;
            let n = page.len();
            out.extend(page.into_iter().filter(|e| match selection {
                Selection::All => true,
                Selection::Ids(ids) => ids.contains(&e.job.id),
            }));
            if n < PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Sends dead jobs back to the ready list with a fresh attempt budget.
    /// Returns how many went back.
    pub async fn dead_retry(&self, queue: &str, selection: &Selection) -> Result<usize> {
        if *selection == Selection::All {
            return self.retry_all_dead(queue).await;
        }
        let q = self.schema.queue(queue)?;
        let mut n = 0;
        for entry in self.select_dead(queue, selection).await? {
            if self
                .conn
                .run(&Revive {
                    queue: &q,
                    entry: &entry,
                    now_ms: now_ms(),
                })
                .await?
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Revives every readable job that died before now, a page at a time
    /// (oldest first), so memory stays bounded however large the set is. A
    /// job revived here that dies again meanwhile dies later than now and
    /// is not revived twice; unreadable members stay, to be looked at or
    /// purged.
    pub async fn retry_all_dead(&self, queue: &str) -> Result<usize> {
        let q = self.schema.queue(queue)?;
        let before = now_ms();
        let (mut revived, mut unreadable) = (0, 0);
        loop {
            let page: Vec<(Vec<u8>, f64)> = self
                .conn
                .raw()
                .zrangebyscore_limit_withscores(q.dead(), "-inf", before, unreadable, PAGE as isize)
                .await?;
            if page.is_empty() {
                return Ok(revived);
            }
            for (raw, score) in page {
                let Ok(job) = Job::from_json(&raw) else {
                    unreadable += 1;
                    continue;
                };
                let entry = DeadEntry {
                    raw,
                    job,
                    died_at_ms: score as u64,
                };
                let op = Revive {
                    queue: &q,
                    entry: &entry,
                    now_ms: now_ms(),
                };
                revived += usize::from(self.conn.run(&op).await?);
            }
        }
    }

    /// Deletes dead jobs. Returns how many were deleted. All of them is
    /// one `DEL` (unreadable members go too), whatever the set's size.
    pub async fn dead_purge(&self, queue: &str, selection: &Selection) -> Result<usize> {
        let q = self.schema.queue(queue)?;
        if *selection == Selection::All {
            let op = PurgeDead {
                queue: &q,
                entries: None,
            };
            return self.conn.run(&op).await;
        }
        let entries = self.select_dead(queue, selection).await?;
        if entries.is_empty() {
            return Ok(0);
        }
        let mut n = 0;
        for chunk in entries.chunks(PAGE) {
            n += self
                .conn
                .run(&PurgeDead {
                    queue: &q,
                    entries: Some(chunk),
                })
                .await?;
        }
        Ok(n)
    }
}
