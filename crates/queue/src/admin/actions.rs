//! What an operator can do from the dashboard. Each action names the job by
//! queue, id and score (due time or time of death), so finding it is one
//! `ZRANGEBYSCORE` and the move itself one atomic script; a job that moved
//! meanwhile (promoted, retried by someone else) is reported, not an error.

use redspin_core::ops::{DeadEntry, PurgeDead, Revive, RunNow};
use serde::Serialize;

use super::{Admin, Entry, Set};
use crate::error::Result;
use crate::now_ms;

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
}

impl Action {
    /// The name used in routes and in the action log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::RunNow { .. } => "run-now",
            Action::Retry { .. } => "retry",
            Action::Delete { .. } => "delete",
            Action::RetryAll => "retry-all",
            Action::PurgeAll => "purge-all",
        }
    }

    pub fn job_id(&self) -> Option<&str> {
        match self {
            Action::RunNow { id, .. } | Action::Retry { id, .. } | Action::Delete { id, .. } => {
                Some(id)
            }
            Action::RetryAll | Action::PurgeAll => None,
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
            Action::RetryAll => self.retry_all(&q).await?,
            // One DEL: unreadable members go too.
            Action::PurgeAll => {
                client
                    .connection()
                    .run(&PurgeDead {
                        queue: &q,
                        entries: None,
                    })
                    .await?
            }
        };
        Ok(Outcome { affected })
    }

    /// Revives every readable dead job (unreadable members stay, to be
    /// looked at or purged). The set is read whole first, so revived jobs
    /// that die again meanwhile are not revived twice.
    async fn retry_all(&self, q: &redspin_core::QueueKeys) -> Result<usize> {
        const STEP: u64 = 500;
        let mut entries = Vec::new();
        loop {
            let page = self
                .page(q.name(), Set::Dead, entries.len() as u64, STEP)
                .await?;
            let n = page.entries.len() as u64;
            entries.extend(page.entries);
            if n < STEP {
                break;
            }
        }
        let mut revived = 0;
        for e in entries {
            let Some(job) = e.job else { continue };
            let entry = DeadEntry {
                raw: e.raw,
                job,
                died_at_ms: e.at,
            };
            let op = Revive {
                queue: q,
                entry: &entry,
                now_ms: now_ms(),
            };
            revived += usize::from(self.client().connection().run(&op).await?);
        }
        Ok(revived)
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
