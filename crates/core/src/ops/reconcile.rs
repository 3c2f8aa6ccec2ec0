use crate::{scripts, Arg, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Hand back what `worker`'s processing list holds beyond `running` (the
/// envelopes, as claimed, of the jobs the worker is running or still
/// acknowledging). Must not overlap a claim of the same worker on the same
/// queue: an envelope claimed but not yet received would be handed back
/// while it runs (a duplicate, never a loss).
#[derive(Debug, Clone)]
pub struct Reconcile<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub running: &'a [Vec<u8>],
    pub now_ms: u64,
}

impl Op for Reconcile<'_> {
    /// How many envelopes went back to the ready list.
    type Output = usize;

    fn request(&self) -> Request {
        let q = self.queue;
        let mut args: Vec<Arg> = Vec::with_capacity(2 + self.running.len());
        args.push(q.base().into());
        args.push(self.now_ms.into());
        args.extend(self.running.iter().map(|raw| Arg::Bytes(raw.clone())));
        Request::Script(ScriptCall {
            script: &scripts::RECONCILE,
            keys: vec![q.processing(self.worker), q.ready()],
            args,
        })
    }

    fn parse(&self, reply: Value) -> Result<usize, CoreError> {
        Ok(usize::try_from(reply.as_i64("reconcile")?).unwrap_or(0))
    }
}
