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
    /// Paused: no job starts ([`super::SetControl`]).
    pub paused: bool,
    pub limits: super::Limits,
}

impl Op for Stats<'_> {
    type Output = QueueStats;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::STATS,
            keys: vec![
                q.ready(),
                q.scheduled(),
                q.dead(),
                q.workers(),
                q.stats(),
                q.control(),
            ],
            args: vec![q.base().into()],
        })
    }

    fn parse(&self, reply: Value) -> Result<QueueStats, CoreError> {
        let mut items = reply.into_items();
        if items.len() != 9 {
            return Err(CoreError::reply(
                "stats",
                format!("expected 9 items, got {}", items.len()),
            ));
        }
        let mut pairs = Vec::new();
        let mut it = items.pop().expect("9 items").into_items().into_iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            pairs.push((f.into_string("stats")?, v.into_string("stats")?));
        }
        let control = super::QueueControl::from_fields(pairs)?;
        let n: Vec<u64> = items
            .iter()
            .map(|v| v.as_i64("stats").map(|n| u64::try_from(n).unwrap_or(0)))
            .collect::<Result<_, _>>()?;
        let [ready, scheduled, processing, dead, workers, done, retried, buried] = n[..] else {
            unreachable!("8 counts");
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
            paused: control.paused,
            limits: control.limits,
        })
    }
}
