use crate::{scripts, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Claim up to `max` ready jobs for `worker`. `blocked` is an envelope the
/// worker already moved with `BLMOVE` while waiting; it is claimed too.
#[derive(Debug, Clone)]
pub struct Fetch<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub max: usize,
    pub now_ms: u64,
    pub blocked: Option<&'a [u8]>,
    /// The claim (re-)registers the worker and sets its heartbeat for this
    /// long when it is missing.
    pub heartbeat_ttl_ms: u64,
    /// How long a paused queue, or one at its concurrency limit, asks the
    /// worker to wait before it claims again.
    pub gated_wait_ms: u64,
}

/// What one claim took, and how long to wait before the next when the
/// queue's switches (pause, limits) allowed fewer jobs than asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed {
    pub jobs: Vec<Fetched>,
    /// 0: not held back (an empty claim means an empty queue).
    pub wait_ms: u64,
}

/// A claimed envelope as raw bytes (it may be malformed: the worker decides)
/// and how often the job was recovered from a dead worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub raw: Vec<u8>,
    pub lost: u32,
}

impl Fetch<'_> {
    /// The `BLMOVE` a worker blocks on when the queue is empty.
    pub fn blocking_move(queue: &QueueKeys, worker: &str, timeout_secs: f64) -> crate::Command {
        crate::Command::new("BLMOVE")
            .arg(queue.ready())
            .arg(queue.processing(worker))
            .arg("LEFT")
            .arg("RIGHT")
            .arg(format!("{timeout_secs:.3}"))
    }
}

impl Op for Fetch<'_> {
    type Output = Claimed;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::FETCH,
            keys: vec![
                q.ready(),
                q.processing(self.worker),
                q.workers(),
                q.heartbeat(self.worker),
                q.control(),
                q.starts(),
            ],
            args: vec![
                self.max.clamp(1, super::MAX_BATCH).into(),
                self.now_ms.into(),
                q.base().into(),
                crate::Arg::Bytes(self.blocked.unwrap_or_default().to_vec()),
                self.worker.into(),
                self.heartbeat_ttl_ms.max(1).into(),
                self.gated_wait_ms.max(1).into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<Claimed, CoreError> {
        let mut items = reply.into_items().into_iter();
        let wait = items
            .next()
            .ok_or_else(|| CoreError::reply("fetch", "empty reply"))?
            .as_i64("fetch")?;
        let items: Vec<Value> = items.collect();
        if !items.len().is_multiple_of(2) {
            return Err(CoreError::reply("fetch", "odd number of items"));
        }
        let mut jobs = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(raw), Some(lost)) = (it.next(), it.next()) {
            jobs.push(Fetched {
                raw: raw.into_bytes("fetch")?,
                lost: u32::try_from(lost.as_i64("fetch")?).unwrap_or(0),
            });
        }
        Ok(Claimed {
            jobs,
            wait_ms: u64::try_from(wait).unwrap_or(0),
        })
    }
}
