//! Cancelling a job (`cancel.lua`), and the worker's discard of a
//! cancelled job it was running (`discard.lua`).

use crate::{scripts, Arg, CoreError, JobState, Op, QueueKeys, Request, ScriptCall, Value};

/// Cancel job `id` of `queue`.
#[derive(Debug, Clone)]
pub struct Cancel<'a> {
    pub queue: &'a QueueKeys,
    pub id: &'a str,
    pub now_ms: u64,
    /// How long the cancelled job's status stays readable (s).
    pub retention_secs: u64,
}

/// What a cancel found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// Cancelled; it was in this state (`Running`: its worker aborts it).
    Was(JobState),
    /// It had already finished: nothing changed.
    Finished(JobState),
    /// No such job (or its status has expired).
    Unknown,
}

impl Op for Cancel<'_> {
    type Output = Cancelled;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::CANCEL,
            keys: vec![q.job(self.id), q.scheduled()],
            args: vec![
                self.id.into(),
                self.now_ms.into(),
                self.retention_secs.max(1).into(),
                q.cancel().into(),
                q.base().into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<Cancelled, CoreError> {
        let mut items = reply.into_items().into_iter();
        let (Some(code), Some(state)) = (items.next(), items.next()) else {
            return Err(CoreError::reply("cancel", "expected two items"));
        };
        let state = state.into_string("cancel")?;
        let state = || {
            JobState::parse(&state)
                .ok_or_else(|| CoreError::reply("cancel", "the record's state is not a job state"))
        };
        match code.as_i64("cancel")? {
            1 => Ok(Cancelled::Was(state()?)),
            0 => Ok(Cancelled::Finished(state()?)),
            _ => Ok(Cancelled::Unknown),
        }
    }
}

/// A cancelled job leaves `worker`'s processing list.
#[derive(Debug, Clone)]
pub struct Discard<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub raw: &'a [u8],
}

impl Op for Discard<'_> {
    /// False when the job was no longer owned by this worker.
    type Output = bool;

    fn request(&self) -> Request {
        Request::Script(ScriptCall {
            script: &scripts::DISCARD,
            keys: vec![self.queue.processing(self.worker)],
            args: vec![Arg::Bytes(self.raw.to_vec())],
        })
    }

    fn parse(&self, reply: Value) -> Result<bool, CoreError> {
        super::as_flag("discard", reply)
    }
}
