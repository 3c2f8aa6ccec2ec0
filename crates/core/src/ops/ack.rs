use crate::{scripts, Arg, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Acknowledge finished jobs of one worker in one round trip. `jobs` holds
/// (envelope as fetched, job id) pairs.
#[derive(Debug, Clone)]
pub struct Ack<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub jobs: &'a [(Vec<u8>, String)],
    pub now_ms: u64,
    pub retention_secs: u64,
}

impl Op for Ack<'_> {
    /// How many were still owned and are now done.
    type Output = usize;

    fn request(&self) -> Request {
        let q = self.queue;
        let mut args: Vec<Arg> = Vec::with_capacity(4 + 2 * self.jobs.len());
        args.push(self.now_ms.into());
        args.push(self.retention_secs.max(1).into());
        args.push(q.base().into());
        args.push(super::MINUTE_TTL_SECS.into());
        for (raw, id) in self.jobs {
            args.push(Arg::Bytes(raw.clone()));
            args.push(id.into());
        }
        Request::Script(ScriptCall {
            script: &scripts::ACK,
            keys: vec![
                q.processing(self.worker),
                q.stats(),
                q.minute(super::minute_of(self.now_ms)),
            ],
            args,
        })
    }

    fn parse(&self, reply: Value) -> Result<usize, CoreError> {
        Ok(usize::try_from(reply.as_i64("ack")?).unwrap_or(0))
    }
}
