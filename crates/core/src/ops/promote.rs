use crate::{scripts, CoreError, Op, QueueKeys, Request, ScriptCall, Value};

/// Move up to `limit` due jobs from the delay set to the ready list.
#[derive(Debug, Clone)]
pub struct Promote<'a> {
    pub queue: &'a QueueKeys,
    pub now_ms: u64,
    pub limit: usize,
}

/// What a promotion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promoted {
    pub count: usize,
    /// Due time (ms) of the earliest job still scheduled.
    pub next_due_ms: Option<u64>,
    /// The earliest next tick of the queue's schedules (ms).
    pub next_tick_ms: Option<u64>,
}

impl Op for Promote<'_> {
    type Output = Promoted;

    fn request(&self) -> Request {
        let q = self.queue;
        Request::Script(ScriptCall {
            script: &scripts::PROMOTE,
            keys: vec![q.scheduled(), q.ready(), q.schedules_due()],
            args: vec![
                self.now_ms.into(),
                self.limit.clamp(1, super::MAX_BATCH).into(),
                q.base().into(),
            ],
        })
    }

    fn parse(&self, reply: Value) -> Result<Promoted, CoreError> {
        let items = reply.into_items();
        let [count, next, tick] = items.as_slice() else {
            return Err(CoreError::reply(
                "promote",
                format!("expected 3 items, got {items:?}"),
            ));
        };
        let count = count.as_i64("promote")?;
        Ok(Promoted {
            count: usize::try_from(count).unwrap_or(0),
            next_due_ms: u64::try_from(next.as_i64("promote")?).ok(),
            next_tick_ms: u64::try_from(tick.as_i64("promote")?).ok(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySchema;

    #[test]
    fn parses_replies() {
        let q = KeySchema::default().queue("q").unwrap();
        let op = Promote {
            queue: &q,
            now_ms: 5,
            limit: 10,
        };
        let cases = [
            (
                Value::Array(vec![
                    Value::Int(3),
                    Value::Bytes(b"1700".to_vec()),
                    Value::Bytes(b"2000".to_vec()),
                ]),
                Some((3, Some(1700), Some(2000))),
            ),
            (
                Value::Array(vec![Value::Int(0), Value::Int(-1), Value::Int(-1)]),
                Some((0, None, None)),
            ),
            (Value::Array(vec![Value::Int(0), Value::Int(-1)]), None),
        ];
        for (reply, want) in cases {
            let got = op
                .parse(reply)
                .ok()
                .map(|p| (p.count, p.next_due_ms, p.next_tick_ms));
            assert_eq!(got, want);
        }
    }
}
