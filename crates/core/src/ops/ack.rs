use crate::{scripts, Arg, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// A finished job as the ack needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The envelope as fetched.
    pub raw: Vec<u8>,
    pub id: String,
    /// Its unique key, freed by the ack.
    pub unique: Option<String>,
}

/// Acknowledge finished jobs of one worker in one round trip.
#[derive(Debug, Clone)]
pub struct Ack<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub jobs: &'a [Finished],
    pub now_ms: u64,
    pub retention_secs: u64,
}

impl Op for Ack<'_> {
    /// How many were still owned and are now done.
    type Output = usize;

    fn request(&self) -> Request {
        let q = self.queue;
        let mut args: Vec<Arg> = Vec::with_capacity(4 + 3 * self.jobs.len());
        args.push(self.now_ms.into());
        args.push(self.retention_secs.max(1).into());
        args.push(q.base().into());
        args.push(super::MINUTE_TTL_SECS.into());
        for job in self.jobs {
            args.push(Arg::Bytes(job.raw.clone()));
            args.push(job.id.as_str().into());
            args.push(job.unique.as_deref().unwrap_or("").into());
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
