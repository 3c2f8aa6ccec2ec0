use crate::{scripts, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Register `worker` on the queue and refresh its heartbeat for `ttl_ms`;
/// the heartbeat holds `info`, the worker's description for operators.
#[derive(Debug, Clone)]
pub struct Heartbeat<'a> {
    pub queue: &'a QueueKeys,
    pub worker: &'a str,
    pub ttl_ms: u64,
    pub info: &'a str,
}

impl Op for Heartbeat<'_> {
    type Output = ();

    fn request(&self) -> Request {
        Request::Script(ScriptCall {
            script: &scripts::HEARTBEAT,
            keys: vec![self.queue.workers(), self.queue.heartbeat(self.worker)],
            args: vec![
                self.worker.into(),
                self.ttl_ms.max(1).into(),
                self.info.into(),
            ],
        })
    }

    fn parse(&self, _reply: Value) -> Result<(), CoreError> {
        Ok(())
    }
}

/// What a worker's heartbeat holds: its description, for operators. Read
/// back by the dashboard, which treats it as untrusted (any field may be
/// missing or odd; see [`WorkerInfo::parse`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WorkerInfo {
    pub id: String,
    pub host: String,
    pub pid: u32,
    pub queues: Vec<String>,
    pub concurrency: usize,
    /// When the worker started (ms since the epoch).
    pub started_at: u64,
    /// When this heartbeat was written (ms since the epoch).
    pub beat_at: u64,
    pub version: String,
}

impl WorkerInfo {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a WorkerInfo always serializes")
    }

    /// The description in a heartbeat value; `None` for one that is not a
    /// JSON object (a worker of an older version writes `1`).
    pub fn parse(raw: &[u8]) -> Option<Self> {
        serde_json::from_slice(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::WorkerInfo;

    #[test]
    fn descriptions_round_trip_and_odd_values_are_refused() {
        let info = WorkerInfo {
            id: "w-1-ab".into(),
            host: "box".into(),
            pid: 1,
            queues: vec!["default".into()],
            concurrency: 8,
            started_at: 5,
            beat_at: 6,
            version: "0.1.0".into(),
        };
        assert_eq!(WorkerInfo::parse(info.to_json().as_bytes()), Some(info));
        let cases: [(&[u8], bool); 5] = [
            (b"1", false),
            (b"", false),
            (b"{\"pid\":\"x\"}", false),
            (b"{}", true),
            (b"{\"id\":\"w\",\"extra\":1}", true),
        ];
        for (raw, ok) in cases {
            assert_eq!(WorkerInfo::parse(raw).is_some(), ok, "{raw:?}");
        }
    }
}
