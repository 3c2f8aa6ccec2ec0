//! Attempt limits in fixed windows: login failures, registrations.
//!
//! An attempt is taken against every counter it concerns in one script
//! ([`Throttle::attempt`]): refused, with the time until the windows that
//! are full end, when any counter is at its limit; otherwise counted in all
//! of them. Counting before the work (say, before a password is checked)
//! and giving back what turned out well ([`Throttle::release`]) bounds the
//! attempts exactly, however many arrive at once; counting failures after
//! the fact would let a burst of parallel guesses through.

use std::time::Duration;

use redspin_core::{KeySchema, Value};

use crate::{scripts, EdgeError, Redis};

/// One counter and the most attempts it allows per window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub key: String,
    pub max: u64,
}

/// What an attempt got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused until the full windows end.
    Refused {
        retry_after: Duration,
    },
}

/// Attempt counters in Redis.
pub struct Throttle<R> {
    redis: R,
    keys: KeySchema,
}

impl<R: Redis> Throttle<R> {
    pub fn new(redis: R, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// The counter of limit `kind` for `id` (no personal data in `id`:
    /// hash an email before it gets here).
    pub fn counter(&self, kind: &str, id: &str, max: u64) -> Counter {
        Counter {
            key: self.keys.throttle(kind, id),
            max,
        }
    }

    /// Takes one attempt against every counter in `counters` (windows of
    /// `window`), all or nothing.
    pub async fn attempt(
        &self,
        counters: &[Counter],
        window: Duration,
    ) -> Result<Decision, EdgeError> {
        let window_ms = (window.as_millis() as u64).max(1);
        let mut args = vec![window_ms.into()];
        args.extend(counters.iter().map(|c| c.max.into()));
        let keys = counters.iter().map(|c| c.key.clone()).collect();
        let reply =
            crate::redis::script(&self.redis, &scripts::THROTTLE_ATTEMPT, keys, args).await?;
        let wait_ms = single(reply)?.as_i64("throttle attempt")?;
        Ok(if wait_ms > 0 {
            Decision::Refused {
                retry_after: Duration::from_millis(wait_ms as u64),
            }
        } else {
            Decision::Allowed
        })
    }

    /// Gives back an attempt that turned out well: the counters in `clear`
    /// start again from zero, those in `refund` count one attempt fewer.
    pub async fn release(&self, clear: &[Counter], refund: &[Counter]) -> Result<(), EdgeError> {
        let keys = clear.iter().chain(refund).map(|c| c.key.clone()).collect();
        crate::redis::script(
            &self.redis,
            &scripts::THROTTLE_RELEASE,
            keys,
            vec![clear.len().into()],
        )
        .await?;
        Ok(())
    }
}

/// A scalar reply (Spin hands a lone value back as a one-item list).
fn single(v: Value) -> Result<Value, EdgeError> {
    let mut items = v.into_items();
    match (items.pop(), items.is_empty()) {
        (Some(v), true) => Ok(v),
        _ => Err(EdgeError::Core(redspin_core::CoreError::Reply {
            op: "throttle",
            detail: "expected one value".into(),
        })),
    }
}

/// Whole seconds for `Retry-After`, rounded up so a client that waits
/// that long is let in.
pub fn retry_after_secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        for (ms, want) in [
            (1, 1),
            (999, 1),
            (1000, 1),
            (1001, 2),
            (899_500, 900),
            (0, 1),
        ] {
            assert_eq!(retry_after_secs(Duration::from_millis(ms)), want, "{ms}");
        }
    }
}
