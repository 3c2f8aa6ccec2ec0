//! Firing a schedule's tick (`fire_schedule.lua`). What a schedule is and
//! when it ticks is decided by `redspin-queue`; here is the one step that
//! must be atomic: claim the tick, create its job.

use crate::{scripts, CoreError, Job, Op, QueueKeys, Request, ScriptCall, Value};

/// Longest schedule name.
pub const MAX_SCHEDULE_NAME_LEN: usize = 128;

/// Schedule names: 1 to 128 of `A-Z a-z 0-9 _ - . :`.
pub fn validate_schedule_name(name: &str) -> Result<(), CoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SCHEDULE_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidName {
            what: "schedule name",
            name: name.to_owned(),
        })
    }
}

/// The id of schedule `name`'s job for the tick at `tick_ms` in `queue`:
/// the same for every worker that computes it (a UUID v5).
pub fn tick_job_id(queue: &str, name: &str, tick_ms: u64) -> String {
    let key = format!("redspin-schedule\0{queue}\0{name}\0{tick_ms}");
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).to_string()
}

/// Creates `job` for schedule `name`'s tick, if the schedule's due score is
/// still `due_ms` (no other promoter fired it), and moves the schedule on
/// to `next_ms`.
#[derive(Debug, Clone)]
pub struct FireTick<'a> {
    pub queue: &'a QueueKeys,
    pub name: &'a str,
    pub due_ms: u64,
    pub next_ms: Option<u64>,
    /// The tick's job: its id is [`tick_job_id`], its `run_at` the tick.
    pub job: &'a Job,
    pub now_ms: u64,
}

impl Op for FireTick<'_> {
    /// True when this call created the job.
    type Output = bool;

    fn request(&self) -> Request {
        let q = self.queue;
        let next = self
            .next_ms
            .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        Request::Script(ScriptCall {
            script: &scripts::FIRE_SCHEDULE,
            keys: vec![
                q.schedules_due(),
                q.schedule(self.name),
                q.ready(),
                q.job(&self.job.id),
            ],
            args: vec![
                self.name.into(),
                self.due_ms.into(),
                self.job.run_at.into(),
                next.into(),
                self.job.to_json().into(),
                self.now_ms.into(),
                self.job.kind.as_str().into(),
                self.job.max_attempts.into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<bool, CoreError> {
        super::as_flag("fire schedule", reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_ids_are_derived_and_distinct() {
        let a = tick_job_id("default", "nightly", 1000);
        assert_eq!(a, tick_job_id("default", "nightly", 1000));
        for other in [
            tick_job_id("default", "nightly", 2000),
            tick_job_id("default", "hourly", 1000),
            tick_job_id("other", "nightly", 1000),
        ] {
            assert_ne!(a, other);
        }
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn schedule_names() {
        for (name, ok) in [
            ("nightly", true),
            ("report:daily.v2", true),
            ("", false),
            ("has space", false),
            ("{tag}", false),
            (&"x".repeat(129), false),
        ] {
            assert_eq!(validate_schedule_name(name).is_ok(), ok, "{name}");
        }
    }
}
