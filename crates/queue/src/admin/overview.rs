//! The overview: per queue its counts, oldest ready job, overdue
//! schedule and live workers, and the throughput of the last hour.

use redspin_core::ops::minute_of;
use redspin_core::{Job, QueueKeys};

use super::{Admin, Minute, Overview, QueueRow, CHART_MINUTES, OVERDUE_MS};
use crate::error::Result;
use crate::now_ms;

impl Admin {
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
            let mut conn = self.client.connection().raw();
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
            bad_queues: self.bad_queue_names().await?,
            throughput,
        })
    }

    /// The heartbeats of `workers` on queue `q` (`None` where lapsed).
    pub(crate) async fn heartbeats(
        &self,
        q: &QueueKeys,
        workers: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>> {
        if workers.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = workers.iter().map(|w| q.heartbeat(w)).collect();
        let mut pipe = redis::pipe();
        for k in &keys {
            pipe.get(k);
        }
        Ok(pipe
            .query_async(&mut self.client.connection().raw())
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
}
