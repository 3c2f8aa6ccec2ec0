//! The operator's view of the queues, for the dashboard: what it reads,
//! and (in [`actions`]) what it does. Everything read back is treated as
//! untrusted: an envelope that does not parse is shown as unreadable, a
//! heartbeat that is not a description is shown as an unknown worker, and
//! neither fails a page.

pub mod actions;
mod overview;
mod search;
mod sets;
mod workers;

use redspin_core::ops::{JobStatus, QueueStats, WorkerInfo};
use redspin_core::{Job, QueueKeys};
use serde::Serialize;

use crate::error::Result;
use crate::QueueClient;

pub use actions::{Action, Outcome};

/// Minutes the throughput chart covers.
pub const CHART_MINUTES: u64 = 60;
/// A scheduled job this late (ms) means no promoter is running.
pub const OVERDUE_MS: u64 = 5_000;
/// Most running jobs listed per worker and queue.
pub(crate) const RUNNING_SHOWN: isize = 100;
/// How far into a ready list a job search looks, and in what steps.
pub(crate) const READY_SEARCH_LIMIT: isize = 100_000;
pub(crate) const READY_SEARCH_STEP: isize = 1_000;

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
    /// Registry entries that are no valid queue name (shown as problems).
    pub bad_queues: Vec<String>,
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

/// The dashboard's reads and actions, over the queue client.
#[derive(Clone)]
pub struct Admin {
    client: QueueClient,
}

impl Admin {
    pub fn new(client: QueueClient) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &QueueClient {
        &self.client
    }

    pub fn queue(&self, name: &str) -> Result<QueueKeys> {
        Ok(self.client.schema().queue(name)?)
    }

    /// The registry's queue names that are valid; the others are
    /// reported by [`Admin::bad_queue_names`], so one bad name (written by
    /// hand, or by an older version) never breaks a page.
    pub async fn queues(&self) -> Result<Vec<String>> {
        let (good, _) = self.registry().await?;
        Ok(good)
    }

    /// Names in the queue registry that are no valid queue name.
    pub async fn bad_queue_names(&self) -> Result<Vec<String>> {
        let (_, bad) = self.registry().await?;
        Ok(bad)
    }

    async fn registry(&self) -> Result<(Vec<String>, Vec<String>)> {
        let names = self.client.known_queues().await?;
        let schema = self.client.schema();
        Ok(names.into_iter().partition(|n| schema.queue(n).is_ok()))
    }
}

/// Which sorted set a page or an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Set {
    Scheduled,
    Dead,
}

impl Set {
    pub(crate) fn key(self, q: &QueueKeys) -> String {
        match self {
            Set::Scheduled => q.scheduled(),
            Set::Dead => q.dead(),
        }
    }
}

pub(crate) fn entry(raw: Vec<u8>, at: f64) -> Entry {
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
pub(crate) fn pick(raws: Vec<Vec<u8>>, id: &str) -> Option<Job> {
    let needle = serde_json::to_string(id).ok()?;
    raws.into_iter()
        .filter(|raw| raw.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .filter_map(|raw| Job::from_json(&raw).ok())
        .find(|job| job.id == id)
}
