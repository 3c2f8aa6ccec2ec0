//! A queue's switches: pause, and limits that hold across every worker
//! (`P:{q}:control`). The claim script (`fetch.lua`) reads them on every
//! claim, so a change takes effect at the next claim of any worker, and a
//! worker restart or a new worker changes nothing.

use serde::Serialize;

use crate::{Command, CoreError, Op, QueueKeys, Request, Value};

/// What the control hash says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueControl {
    pub paused: bool,
    pub limits: Limits,
}

/// Limits on starting jobs; `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// At most `rate` jobs started per `per_ms` milliseconds.
    pub rate: Option<u64>,
    pub per_ms: Option<u64>,
    /// At most this many running at once.
    pub concurrency: Option<u64>,
}

impl QueueControl {
    /// From the hash's fields, as `HGETALL` (or the stats script) returns
    /// them. A field that does not parse is an error naming it: the claim
    /// script ignores such a value, and an operator must see that.
    pub fn from_fields(pairs: Vec<(String, String)>) -> Result<Self, CoreError> {
        let mut c = Self::default();
        for (field, value) in pairs {
            let num = || {
                value.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    CoreError::reply("control", format!("{field} is not a positive whole number"))
                })
            };
            match field.as_str() {
                "paused" => c.paused = value == "1",
                "rate" => c.limits.rate = Some(num()?),
                "per_ms" => c.limits.per_ms = Some(num()?),
                "concurrency" => c.limits.concurrency = Some(num()?),
                _ => {}
            }
        }
        Ok(c)
    }
}

/// Reads a queue's control hash.
#[derive(Debug, Clone)]
pub struct GetControl<'a> {
    pub queue: &'a QueueKeys,
}

impl Op for GetControl<'_> {
    type Output = QueueControl;

    fn request(&self) -> Request {
        Request::Command(Command::new("HGETALL").arg(self.queue.control()))
    }

    fn parse(&self, reply: Value) -> Result<QueueControl, CoreError> {
        let mut pairs = Vec::new();
        let mut it = reply.into_items().into_iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            pairs.push((f.into_string("control")?, v.into_string("control")?));
        }
        QueueControl::from_fields(pairs)
    }
}

/// A change to a queue's switches: one command.
#[derive(Debug, Clone)]
pub enum SetControl<'a> {
    Pause(&'a QueueKeys),
    Resume(&'a QueueKeys),
    /// Sets the limits given; those `None` stay as they are.
    Limit(&'a QueueKeys, Limits),
    /// Removes every limit.
    ClearLimits(&'a QueueKeys),
}

impl Op for SetControl<'_> {
    type Output = ();

    fn request(&self) -> Request {
        let cmd = match self {
            Self::Pause(q) => Command::new("HSET").arg(q.control()).arg("paused").arg("1"),
            Self::Resume(q) => Command::new("HDEL").arg(q.control()).arg("paused"),
            Self::Limit(q, l) => {
                let mut c = Command::new("HSET").arg(q.control());
                for (field, value) in [
                    ("rate", l.rate),
                    ("per_ms", l.per_ms),
                    ("concurrency", l.concurrency),
                ] {
                    if let Some(v) = value {
                        c = c.arg(field).arg(v);
                    }
                }
                c
            }
            Self::ClearLimits(q) => Command::new("HDEL")
                .arg(q.control())
                .arg("rate")
                .arg("per_ms")
                .arg("concurrency"),
        };
        Request::Command(cmd)
    }

    fn parse(&self, _reply: Value) -> Result<(), CoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Result<QueueControl, CoreError> {
        QueueControl::from_fields(
            pairs
                .iter()
                .map(|(f, v)| (f.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn control_fields_parse_or_name_the_bad_one() {
        assert_eq!(fields(&[]).unwrap(), QueueControl::default());
        let c = fields(&[
            ("paused", "1"),
            ("rate", "10"),
            ("per_ms", "1000"),
            ("concurrency", "2"),
        ])
        .unwrap();
        assert!(c.paused);
        assert_eq!(
            c.limits,
            Limits {
                rate: Some(10),
                per_ms: Some(1000),
                concurrency: Some(2)
            }
        );
        for (field, value) in [("rate", "ten"), ("per_ms", "0"), ("concurrency", "-1")] {
            let e = fields(&[(field, value)]).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
    }
}
