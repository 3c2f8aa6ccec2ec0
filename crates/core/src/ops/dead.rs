use crate::{scripts, Command, CoreError, Job, Op, QueueKeys, Request, ScriptCall, Value};

/// One page of the dead set, newest first.
#[derive(Debug, Clone)]
pub struct ListDead<'a> {
    pub queue: &'a QueueKeys,
    pub offset: usize,
    pub limit: usize,
}

/// A dead job and when it died.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadEntry {
    /// The member as stored, needed to revive or purge it.
    pub raw: Vec<u8>,
    pub job: Job,
    pub died_at_ms: u64,
}

impl Op for ListDead<'_> {
    type Output = Vec<DeadEntry>;

    fn request(&self) -> Request {
        let stop = self.offset.saturating_add(self.limit.max(1)) - 1;
        Request::Command(
            Command::new("ZREVRANGE")
                .arg(self.queue.dead())
                .arg(self.offset)
                .arg(stop)
                .arg("WITHSCORES"),
        )
    }

    fn parse(&self, reply: Value) -> Result<Vec<DeadEntry>, CoreError> {
        let items = reply.into_items();
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(raw), Some(score)) = (it.next(), it.next()) {
            let raw = raw.into_bytes("dead list")?;
            let job = Job::from_json(&raw)?;
            out.push(DeadEntry {
                raw,
                job,
                died_at_ms: u64::try_from(score.as_i64("dead list")?).unwrap_or(0),
            });
        }
        Ok(out)
    }
}

/// Send a dead job back to the ready list with a fresh attempt budget.
#[derive(Debug, Clone)]
pub struct Revive<'a> {
    pub queue: &'a QueueKeys,
    pub entry: &'a DeadEntry,
    pub now_ms: u64,
}

impl Revive<'_> {
    /// The envelope that goes back on the ready list.
    pub fn revived(&self) -> Job {
        Job {
            attempts: 0,
            run_at: self.now_ms,
            ..self.entry.job.clone()
        }
    }
}

impl Op for Revive<'_> {
    /// False when the job had already left the dead set.
    type Output = bool;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::REVIVE,
            keys: vec![q.dead(), q.ready(), q.job(&self.entry.job.id)],
            args: vec![
                crate::Arg::Bytes(self.entry.raw.clone()),
                self.revived().to_json().into(),
                self.now_ms.into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<bool, CoreError> {
        super::as_flag("dead retry", reply)
    }
}

/// Remove dead jobs: the given entries, or the whole set when `entries` is
/// `None`.
#[derive(Debug, Clone)]
pub struct PurgeDead<'a> {
    pub queue: &'a QueueKeys,
    pub entries: Option<&'a [DeadEntry]>,
}

impl Op for PurgeDead<'_> {
    /// How many were removed.
    type Output = usize;

    fn request(&self) -> Request {
        match self.entries {
            None => Request::Script(ScriptCall {
                script: &scripts::PURGE_DEAD,
                keys: vec![self.queue.dead()],
                args: Vec::new(),
            }),
            Some(entries) => Request::Command(
                entries
                    .iter()
                    .fold(Command::new("ZREM").arg(self.queue.dead()), |c, e| {
                        c.arg(crate::Arg::Bytes(e.raw.clone()))
                    }),
            ),
        }
    }

    fn parse(&self, reply: Value) -> Result<usize, CoreError> {
        Ok(usize::try_from(reply.as_i64("dead purge")?).unwrap_or(0))
    }
}
