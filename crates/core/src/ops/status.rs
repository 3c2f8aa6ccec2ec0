use serde::Serialize;

use crate::{Command, CoreError, JobState, Op, QueueKeys, Request, Value};

/// Read a job's status record by id.
#[derive(Debug, Clone)]
pub struct GetStatus<'a> {
    pub queue: &'a QueueKeys,
    pub id: &'a str,
}

/// What producers see of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobStatus {
    pub id: String,
    pub queue: String,
    pub state: JobState,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enqueued_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Times the job was recovered from a worker that died while running it.
    pub lost: u32,
    /// The schedule whose tick made this job, and the tick (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tick_at: Option<u64>,
    /// The trace its producer enqueued it in (32 hex digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

impl Op for GetStatus<'_> {
    /// `None` for an unknown (or expired) job.
    type Output = Option<JobStatus>;

    fn request(&self) -> Request {
        Request::Command(Command::new("HGETALL").arg(self.queue.job(self.id)))
    }

    fn parse(&self, reply: Value) -> Result<Option<JobStatus>, CoreError> {
        let items = reply.into_items();
        if items.is_empty() {
            return Ok(None);
        }
        let mut status = JobStatus {
            id: self.id.to_owned(),
            queue: self.queue.name().to_owned(),
            state: JobState::Queued,
            kind: None,
            attempts: 0,
            max_attempts: None,
            enqueued_at: None,
            run_at: None,
            updated_at: None,
            last_error: None,
            lost: 0,
            schedule: None,
            tick_at: None,
            trace_id: None,
        };
        let mut state = None;
        let mut it = items.into_iter();
        while let (Some(field), Some(value)) = (it.next(), it.next()) {
            let field = field.into_string("status")?;
            let value = value.into_string("status")?;
            let num = || value.parse::<u64>().ok();
            match field.as_str() {
                "state" => state = JobState::parse(&value),
                "type" => status.kind = Some(value.clone()),
                "attempts" => {
                    status.attempts = num().and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
                }
                "max_attempts" => status.max_attempts = num().and_then(|n| u32::try_from(n).ok()),
                "enqueued_at" => status.enqueued_at = num(),
                "run_at" => status.run_at = num(),
                "updated_at" => status.updated_at = num(),
                "last_error" if !value.is_empty() => status.last_error = Some(value.clone()),
                "schedule" => status.schedule = Some(value.clone()),
                "tick_at" => status.tick_at = num(),
                "trace_id" if crate::trace::is_trace_id(&value) => {
                    status.trace_id = Some(value.clone())
                }
                "lost" => status.lost = num().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
                _ => {}
            }
        }
        status.state =
            state.ok_or_else(|| CoreError::reply("status", "record has no valid state"))?;
        Ok(Some(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySchema;

    fn b(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn parses_records() {
        let q = KeySchema::default().queue("q").unwrap();
        let op = GetStatus { queue: &q, id: "j" };
        assert_eq!(op.parse(Value::Array(vec![])).unwrap(), None);
        let s = op
            .parse(Value::Array(vec![
                b("state"),
                b("failed"),
                b("attempts"),
                b("2"),
                b("last_error"),
                b("boom"),
                b("type"),
                b("webhook"),
            ]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.state, s.attempts, s.last_error.as_deref()),
            (JobState::Failed, 2, Some("boom"))
        );
        assert!(op
            .parse(Value::Array(vec![b("state"), b("weird")]))
            .is_err());
    }
}
