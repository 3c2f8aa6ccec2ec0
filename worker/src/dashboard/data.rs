//! What the dashboard reads from Redis. Everything read back is treated as
//! untrusted: an envelope that does not parse is shown as unreadable, a
//! heartbeat that is not a description is shown as an unknown worker, and
//! neither fails a page.

use std::collections::BTreeMap;

use redis::AsyncCommands;
use redspin_core::ops::{minute_of, JobStatus, QueueStats, WorkerInfo};
use redspin_core::{Job, QueueKeys};
use serde::Serialize;

use crate::error::Result;
use crate::redis_ops::now_ms;
use crate::QueueClient;

/// Minutes the throughput chart covers.
pub const CHART_MINUTES: u64 = 60;
/// A scheduled job this late (ms) means no promoter is running.
pub const OVERDUE_MS: u64 = 5_000;
/// Most running jobs listed per worker and queue.
const RUNNING_SHOWN: isize = 100;
/// How far into a ready list a job search looks, and in what steps.
const READY_SEARCH_LIMIT: isize = 100_000;
const READY_SEARCH_STEP: isize = 1_000;

/// One queue's line on the overview.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    #[serde(flatten)]
    pub stats: QueueStats,
    /// How long the oldest ready job has been due (ms); none when empty.
    pub oldest_ready_age_ms: Option<u64>,
    /// Scheduled jobs more than [`OVERDUE_MS`] past their due time.
    pub overdue: u64,
    /// Registered workers whose heartbeat is alive.
    pub live_workers: u64,
}

/// Jobs finished and attempts failed in one minute, over every queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Minute {
    /// Start of the minute (ms since the epoch).
    pub at: u64,
    pub done: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub now: u64,
    pub queues: Vec<QueueRow>,
    /// The last [`CHART_MINUTES`] minutes, oldest first; the last one is
    /// the minute in progress.
    pub throughput: Vec<Minute>,
}

/// A member of the scheduled or the dead set.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The member as stored (needed to act on it), not shown.
    #[serde(skip)]
    pub raw: Vec<u8>,
    /// `None` when the member is not a readable envelope.
    pub job: Option<Job>,
    /// Due time (scheduled) or time of death (dead), ms since the epoch.
    pub at: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub queue: String,
    pub total: u64,
    pub offset: u64,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunningJob {
    pub queue: String,
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// When it was taken (ms since the epoch), from its status record.
    pub since: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkerRow {
    pub id: String,
    /// `None` when the heartbeat has lapsed (the worker is presumed dead and
    /// its jobs are being recovered) or holds no description.
    pub info: Option<WorkerInfo>,
    pub alive: bool,
    pub processing: u64,
    pub running: Vec<RunningJob>,
}

/// Where a job's envelope was found.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub status: JobStatus,
    pub envelope: Option<Job>,
    /// Due time or time of death: what actions on it need.
    pub at: Option<u64>,
}

/// The dashboard's reads, over the queue client.
#[derive(Clone)]
pub struct Board {
    client: QueueClient,
}

impl Board {
    pub fn new(client: QueueClient) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &QueueClient {
        &self.client
    }

    pub fn queue(&self, name: &str) -> Result<QueueKeys> {
        Ok(self.client.schema().queue(name)?)
    }

    pub async fn queues(&self) -> Result<Vec<String>> {
        self.client.known_queues().await
    }

    pub async fn overview(&self) -> Result<Overview> {
        let now = now_ms();
        let current = minute_of(now);
        let minutes: Vec<u64> = (current + 1 - CHART_MINUTES..=current).collect();
        let mut throughput: Vec<Minute> = minutes
            .iter()
            .map(|m| Minute {
                at: m * 60_000,
                ..Minute::default()
            })
            .collect();
        let mut queues = Vec::new();
        for name in self.queues().await? {
            let q = self.queue(&name)?;
            let stats = self.client.stats(&name).await?;
            let mut pipe = redis::pipe();
            pipe.lindex(q.ready(), 0)
                .zcount(q.scheduled(), "-inf", now.saturating_sub(OVERDUE_MS))
                .smembers(q.workers());
            for m in &minutes {
                pipe.cmd("HMGET")
                    .arg(q.minute(*m))
                    .arg("done")
                    .arg("failed");
            }
            let mut conn = self.client.redis().connection();
            let (head, overdue, workers, counts): (Option<Vec<u8>>, u64, Vec<String>, Vec<_>) = {
                let mut values: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
                let rest = values.split_off(3.min(values.len()));
                let mut it = values.into_iter();
                let head = it.next().and_then(|v| redis::from_redis_value(v).ok());
                let overdue = it
                    .next()
                    .and_then(|v| redis::from_redis_value(v).ok())
                    .unwrap_or(0);
                let workers = it
                    .next()
                    .and_then(|v| redis::from_redis_value(v).ok())
                    .unwrap_or_default();
                (head, overdue, workers, rest)
            };
            for (slot, v) in throughput.iter_mut().zip(counts) {
                let (done, failed): (Option<u64>, Option<u64>) =
                    redis::from_redis_value(v).unwrap_or((None, None));
                slot.done += done.unwrap_or(0);
                slot.failed += failed.unwrap_or(0);
            }
            let oldest_ready_age_ms = head
                .and_then(|raw| Job::from_json(&raw).ok())
                .map(|job| now.saturating_sub(job.run_at.max(job.enqueued_at)));
            let live_workers = self.live(&q, &workers).await?.len() as u64;
            queues.push(QueueRow {
                stats,
                oldest_ready_age_ms,
                overdue,
                live_workers,
            });
        }
        Ok(Overview {
            now,
            queues,
            throughput,
        })
    }

    /// The heartbeats of `workers` on queue `q` (`None` where lapsed).
    async fn heartbeats(&self, q: &QueueKeys, workers: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        if workers.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = workers.iter().map(|w| q.heartbeat(w)).collect();
        let mut pipe = redis::pipe();
        for k in &keys {
            pipe.get(k);
        }
        Ok(pipe
            .query_async(&mut self.client.redis().connection())
            .await?)
    }

    async fn live(&self, q: &QueueKeys, workers: &[String]) -> Result<Vec<String>> {
        let beats = self.heartbeats(q, workers).await?;
        Ok(workers
            .iter()
            .zip(beats)
            .filter(|(_, b)| b.is_some())
            .map(|(w, _)| w.clone())
            .collect())
    }

    /// Every registered worker, with what it is running now.
    pub async fn workers(&self) -> Result<Vec<WorkerRow>> {
        let mut rows: BTreeMap<String, WorkerRow> = BTreeMap::new();
        for name in self.queues().await? {
            let q = self.queue(&name)?;
            let mut conn = self.client.redis().connection();
            let mut workers: Vec<String> = conn.smembers(q.workers()).await?;
            workers.sort();
            let beats = self.heartbeats(&q, &workers).await?;
            for (w, beat) in workers.iter().zip(beats) {
                let mut pipe = redis::pipe();
                pipe.llen(q.processing(w))
                    .lrange(q.processing(w), 0, RUNNING_SHOWN - 1);
                let (len, raws): (u64, Vec<Vec<u8>>) = pipe.query_async(&mut conn).await?;
                let running = self.running_jobs(&q, &raws).await?;
                let row = rows.entry(w.clone()).or_insert_with(|| WorkerRow {
                    id: w.clone(),
                    info: None,
                    alive: false,
                    processing: 0,
                    running: Vec::new(),
                });
                if let Some(beat) = beat {
                    row.alive = true;
                    row.info = row.info.take().or_else(|| WorkerInfo::parse(&beat));
                }
                row.processing += len;
                row.running.extend(running);
            }
        }
        Ok(rows.into_values().collect())
    }

    /// The jobs of one processing list, with when each was taken (from
    /// their status records, read in one pipeline).
    async fn running_jobs(&self, q: &QueueKeys, raws: &[Vec<u8>]) -> Result<Vec<RunningJob>> {
        let jobs: Vec<Option<Job>> = raws.iter().map(|raw| Job::from_json(raw).ok()).collect();
        let mut pipe = redis::pipe();
        for job in jobs.iter().flatten() {
            pipe.hget(q.job(&job.id), "updated_at");
        }
        let at: Vec<Option<String>> = if pipe.is_empty() {
            Vec::new()
        } else {
            pipe.query_async(&mut self.client.redis().connection())
                .await?
        };
        let mut since = at.into_iter();
        Ok(jobs
            .into_iter()
            .map(|job| RunningJob {
                queue: q.name().to_owned(),
                since: job
                    .as_ref()
                    .and_then(|_| since.next().flatten())
                    .and_then(|s| s.parse().ok()),
                id: job.as_ref().map(|j| j.id.clone()),
                kind: job.map(|j| j.kind),
            })
            .collect())
    }

    /// Every known queue with the size of its scheduled or dead set.
    pub async fn set_sizes(&self, set: Set) -> Result<Vec<(String, u64)>> {
        // One command per queue: on a cluster the queues live in different
        // slots, where one pipeline cannot reach them all.
        let mut conn = self.client.redis().connection();
        let mut out = Vec::new();
        for name in self.queues().await? {
            let n: u64 = conn.zcard(set.key(&self.queue(&name)?)).await?;
            out.push((name, n));
        }
        Ok(out)
    }

    /// A page of the scheduled set (soonest first) or of the dead set
    /// (most recent first).
    pub async fn page(&self, queue: &str, set: Set, offset: u64, limit: u64) -> Result<Page> {
        let q = self.queue(queue)?;
        let key = set.key(&q);
        let stop = offset.saturating_add(limit.max(1)) - 1;
        let mut pipe = redis::pipe();
        pipe.zcard(&key);
        match set {
            Set::Scheduled => pipe.zrange_withscores(&key, offset as isize, stop as isize),
            Set::Dead => pipe.zrevrange_withscores(&key, offset as isize, stop as isize),
        };
        let (total, members): (u64, Vec<(Vec<u8>, f64)>) = pipe
            .query_async(&mut self.client.redis().connection())
            .await?;
        Ok(Page {
            queue: queue.to_owned(),
            total,
            offset,
            entries: members
                .into_iter()
                .map(|(raw, at)| entry(raw, at))
                .collect(),
        })
    }

    /// The member of `set` for job `id` scored `at`, if it is still there.
    pub async fn find(&self, q: &QueueKeys, set: Set, id: &str, at: u64) -> Result<Option<Entry>> {
        let members: Vec<(Vec<u8>, f64)> = self
            .client
            .redis()
            .connection()
            .zrangebyscore_withscores(set.key(q), at, at)
            .await?;
        Ok(members
            .into_iter()
            .map(|(raw, at)| entry(raw, at))
            .find(|e| e.job.as_ref().is_some_and(|j| j.id == id)))
    }

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
            Done => (None, None),
        })
    }

    async fn in_processing(&self, q: &QueueKeys, id: &str) -> Result<Option<Job>> {
        let mut conn = self.client.redis().connection();
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
        let mut conn = self.client.redis().connection();
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

/// Which sorted set a page or an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Set {
    Scheduled,
    Dead,
}

impl Set {
    fn key(self, q: &QueueKeys) -> String {
        match self {
            Set::Scheduled => q.scheduled(),
            Set::Dead => q.dead(),
        }
    }
}

fn entry(raw: Vec<u8>, at: f64) -> Entry {
    Entry {
        job: Job::from_json(&raw).ok(),
        raw,
        at: if at.is_finite() && at > 0.0 {
            at as u64
        } else {
            0
        },
    }
}

/// The envelope of job `id` among `raws`, matched cheaply on the id's
/// JSON text first.
fn pick(raws: Vec<Vec<u8>>, id: &str) -> Option<Job> {
    let needle = serde_json::to_string(id).ok()?;
    raws.into_iter()
        .filter(|raw| raw.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .filter_map(|raw| Job::from_json(&raw).ok())
        .find(|job| job.id == id)
}
