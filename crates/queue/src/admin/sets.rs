//! Pages of the scheduled and dead sets, and one member of them.

use redis::AsyncCommands;
use redspin_core::QueueKeys;

use super::{entry, Admin, Entry, Page, Set};
use crate::error::Result;

impl Admin {
    /// Every known queue with the size of its scheduled or dead set.
    pub async fn set_sizes(&self, set: Set) -> Result<Vec<(String, u64)>> {
        // One command per queue: on a cluster the queues live in different
        // slots, where one pipeline cannot reach them all.
        let mut conn = self.client.connection().raw();
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
            .query_async(&mut self.client.connection().raw())
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
            .connection()
            .raw()
            .zrangebyscore_withscores(set.key(q), at, at)
            .await?;
        Ok(members
            .into_iter()
            .map(|(raw, at)| entry(raw, at))
            .find(|e| e.job.as_ref().is_some_and(|j| j.id == id)))
    }
}
