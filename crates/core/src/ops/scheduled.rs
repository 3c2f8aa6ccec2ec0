use crate::{scripts, Arg, CoreError, Job, Op, QueueKeys, Request, ScriptCall, Value};

/// Run a scheduled job now: `raw` is the member of the scheduled set, `job`
/// what it holds. The job goes to the ready list as a new envelope whose
/// `run_at` is now; its attempts and last error stay.
#[derive(Debug, Clone)]
pub struct RunNow<'a> {
    pub queue: &'a QueueKeys,
    pub raw: &'a [u8],
    pub job: &'a Job,
    pub now_ms: u64,
}

impl RunNow<'_> {
    /// The envelope that goes on the ready list.
    pub fn due_now(&self) -> Job {
        Job {
            run_at: self.now_ms,
            ..self.job.clone()
        }
    }
}

impl Op for RunNow<'_> {
    /// False when the job had already left the scheduled set.
    type Output = bool;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::RUN_NOW,
            keys: vec![q.scheduled(), q.ready(), q.job(&self.job.id)],
            args: vec![
                Arg::Bytes(self.raw.to_vec()),
                self.due_now().to_json().into(),
                self.now_ms.into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<bool, CoreError> {
        super::as_flag("run now", reply)
    }
}
