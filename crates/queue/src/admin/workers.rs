//! Workers: every registered one, alive or lapsed, and what it runs.

use std::collections::BTreeMap;

use redis::AsyncCommands;
use redspin_core::ops::WorkerInfo;
use redspin_core::{Job, QueueKeys};

use super::{Admin, RunningJob, WorkerRow, RUNNING_SHOWN};
use crate::error::Result;

impl Admin {
    /// Every registered worker, with what it is running now.
    pub async fn workers(&self) -> Result<Vec<WorkerRow>> {
        let mut rows: BTreeMap<String, WorkerRow> = BTreeMap::new();
        for name in self.queues().await? {
            let q = self.queue(&name)?;
            let mut conn = self.client.connection().raw();
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
            pipe.query_async(&mut self.client.connection().raw())
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
}
