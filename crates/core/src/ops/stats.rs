use serde::Serialize;

use crate::{scripts, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Counts for one queue.
#[derive(Debug, Clone)]
pub struct Stats<'a> {
    pub queue: &'a QueueKeys,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    pub queue: String,
    pub ready: u64,
    pub scheduled: u64,
    pub processing: u64,
    pub dead: u64,
    pub workers: u64,
    /// Lifetime counters.
    pub done: u64,
    pub retried: u64,
    pub buried: u64,
}

impl Op for Stats<'_> {
    type Output = QueueStats;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::STATS,
            keys: vec![q.ready(), q.scheduled(), q.dead(), q.workers(), q.stats()],
            args: vec![q.base().into()],
        })
    }

    fn parse(&self, reply: Value) -> Result<QueueStats, CoreError> {
        let items = reply.into_items();
        let n: Vec<u64> = items
            .iter()
            .map(|v| v.as_i64("stats").map(|n| u64::try_from(n).unwrap_or(0)))
            .collect::<Result<_, _>>()?;
        let [ready, scheduled, processing, dead, workers, done, retried, buried] = n[..] else {
            return Err(CoreError::reply(
                "stats",
                format!("expected 8 counts, got {}", n.len()),
            ));
        };
        Ok(QueueStats {
            queue: self.queue.name().to_owned(),
            ready,
            scheduled,
            processing,
            dead,
            workers,
            done,
            retried,
            buried,
        })
    }
}
