use crate::{scripts, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Register `worker` on the queue and refresh its heartbeat for `ttl_ms`.
#[derive(Debug, Clone)]
pub struct Heartbeat<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub ttl_ms: u64,
}

impl Op for Heartbeat<'_> {
    type Output = ();

    fn request(&self) -> Request {
        Request::Script(ScriptCall {
            script: &scripts::HEARTBEAT,
            keys: vec![self.queue.workers(), self.queue.heartbeat(self.worker)],
            args: vec![self.worker.into(), self.ttl_ms.max(1).into()],
        })
    }

    fn parse(&self, _reply: Value) -> Result<(), CoreError> {
        Ok(())
    }
}
