//! What an operator can do from the dashboard. Each action names the job by
//! queue, id and score (due time or time of death), so finding it is one
//! `ZRANGEBYSCORE` and the move itself one atomic script; a job that moved
//! meanwhile (promoted, retried by someone else) is reported, not an error.

use redspin_core::ops::{Cancelled, DeadEntry, Limits, PurgeDead, Revive, RunNow};
use serde::Serialize;

use super::{Admin, Entry, Set};
use crate::error::Result;
use crate::now_ms;
use crate::Selection;

/// One action an operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move a scheduled (or retry-waiting) job to the ready list now.
    RunNow {
        id: String,
        at: u64,
    },
    /// Send one dead job back to the ready list with a fresh budget.
    Retry {
        id: String,
        at: u64,
    },
    /// Delete one dead job.
    Delete {
        id: String,
        at: u64,
    },
    RetryAll,
    PurgeAll,
    /// Start no job of the queue until resumed.
    Pause,
    Resume,
    /// Set the limits given (the others stay).
    Limit(Limits),
    ClearLimits,
    /// Cancel one job: removed if waiting, aborted if running.
    Cancel {
        id: String,
    },
    /// Remove a schedule (named across queues).
    RemoveSchedule {
        name: String,
    },
}

/// How long a job cancelled from the dashboard keeps its status (the
/// worker's default retention).
const CANCELLED_RETENTION: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

impl Action {
    /// The name used in routes and in the action log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::RunNow { .. } => "run-now",
            Action::Retry { .. } => "retry",
            Action::Delete { .. } => "delete",
            Action::RetryAll => "retry-all",
            Action::PurgeAll => "purge-all",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Limit(_) => "limit",
            Action::ClearLimits => "clear-limits",
            Action::Cancel { .. } => "cancel",
            Action::RemoveSchedule { .. } => "remove-schedule",
        }
    }

    pub fn job_id(&self) -> Option<&str> {
        match self {
            Action::RunNow { id, .. }
            | Action::Retry { id, .. }
            | Action::Delete { id, .. }
            | Action::Cancel { id } => Some(id),
            _ => None,
        }
    }
}

/// What an action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Jobs moved or deleted.
    pub affected: usize,
}

impl Admin {
    pub async fn act(&self, queue: &str, action: &Action) -> Result<Outcome> {
        let q = self.queue(queue)?;
        let client = self.client();
        let affected = match action {
            Action::RunNow { id, at } => match self.find(&q, Set::Scheduled, id, *at).await? {
                Some(Entry {
                    raw,
                    job: Some(job),
                    ..
                }) => {
                    let op = RunNow {
                        queue: &q,
                        raw: &raw,
                        job: &job,
                        now_ms: now_ms(),
                    };
                    usize::from(client.connection().run(&op).await?)
                }
                _ => 0,
            },
            Action::Retry { id, at } => match self.dead_entry(&q, id, *at).await? {
                Some(entry) => {
                    let op = Revive {
                        queue: &q,
                        entry: &entry,
                        now_ms: now_ms(),
                    };
                    usize::from(client.connection().run(&op).await?)
                }
                None => 0,
            },
            Action::Delete { id, at } => match self.dead_entry(&q, id, *at).await? {
                Some(entry) => {
                    let entries = [entry];
                    let op = PurgeDead {
                        queue: &q,
                        entries: Some(&entries),
                    };
                    client.connection().run(&op).await?
                }
                None => 0,
            },
            // A page at a time, unreadable members left (see the client).
            Action::RetryAll => client.retry_all_dead(q.name()).await?,
            // The whole set at once: unreadable members go too.
            Action::PurgeAll => client.dead_purge(q.name(), &Selection::All).await?,
            Action::Pause => client.pause(q.name()).await.map(|()| 1)?,
            Action::Resume => client.resume(q.name()).await.map(|()| 1)?,
            Action::Limit(l) => client.limit(q.name(), *l).await.map(|()| 1)?,
            Action::ClearLimits => client.clear_limits(q.name()).await.map(|()| 1)?,
            Action::Cancel { id } => {
                match client.cancel(q.name(), id, CANCELLED_RETENTION).await? {
                    Cancelled::Was(_) => 1,
                    Cancelled::Finished(_) | Cancelled::Unknown => 0,
                }
            }
            Action::RemoveSchedule { name } => usize::from(client.schedule_remove(name).await?),
        };
        Ok(Outcome { affected })
    }

    async fn dead_entry(
        &self,
        q: &redspin_core::QueueKeys,
        id: &str,
        at: u64,
    ) -> Result<Option<DeadEntry>> {
        Ok(match self.find(q, Set::Dead, id, at).await? {
            Some(Entry {
                raw,
                job: Some(job),
                ..
            }) => Some(DeadEntry {
                raw,
                job,
                died_at_ms: at,
            }),
            _ => None,
        })
    }
}
