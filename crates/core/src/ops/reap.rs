use crate::{scripts, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Recover the in-flight jobs of every worker whose heartbeat expired. A
/// dead worker is forgotten `forget_after_ms` after it was first found dead
/// (its list is emptied on every reap until then).
#[derive(Debug, Clone)]
pub struct Reap<'a> {
    pub queue: &'a QueueKeys,
    pub now_ms: u64,
    pub forget_after_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reaped {
    pub jobs: usize,
    pub workers: usize,
}

impl Op for Reap<'_> {
    type Output = Reaped;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::REAP,
            keys: vec![q.workers(), q.ready(), q.dead_workers()],
            args: vec![
                q.base().into(),
                self.now_ms.into(),
                self.forget_after_ms.into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<Reaped, CoreError> {
        let items = reply.into_items();
        let [jobs, workers] = items.as_slice() else {
            return Err(CoreError::reply(
                "reap",
                format!("expected 2 items, got {items:?}"),
            ));
        };
        Ok(Reaped {
            jobs: usize::try_from(jobs.as_i64("reap")?).unwrap_or(0),
            workers: usize::try_from(workers.as_i64("reap")?).unwrap_or(0),
        })
    }
}

/// Hand a stopping worker's unfinished jobs back and deregister it.
#[derive(Debug, Clone)]
pub struct Requeue<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub now_ms: u64,
}

impl Op for Requeue<'_> {
    /// Jobs handed back.
    type Output = usize;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::REQUEUE,
            keys: vec![
                q.processing(self.worker),
                q.ready(),
                q.workers(),
                q.heartbeat(self.worker),
                q.dead_workers(),
            ],
            args: vec![q.base().into(), self.now_ms.into(), self.worker.into()],
        })
    }

    fn parse(&self, reply: Value) -> Result<usize, CoreError> {
        Ok(usize::try_from(reply.as_i64("requeue")?).unwrap_or(0))
    }
}
