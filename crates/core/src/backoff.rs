//! Retry delays: exponential backoff with jitter.
//!
//! The delay before retry `n` (1-based) is `base * 2^(n-1)`, capped at
//! `max`, then jittered into `[d/2, d]` ("equal jitter"), so a burst of
//! failures spreads out instead of retrying in lockstep. The randomness is a
//! parameter, which keeps this pure and testable.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (1 for the first retry), with
    /// `unit` a random number in `[0, 1)`.
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(63);
        let full = self
            .base
            .checked_mul(1u32.checked_shl(exp.min(31)).unwrap_or(u32::MAX))
            .unwrap_or(self.max)
            .min(self.max);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        full / 2 + full.mul_f64(unit / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(10),
        };
        let ms = |d: Duration| d.as_millis();
        let cases = [
            (1, 0.0, 50),
            (1, 0.999_999, 99),
            (2, 0.0, 100),
            (3, 0.5, 300),
            (7, 1.0, 6400),
            (8, 0.0, 5000), // 12.8 s capped to 10 s, then halved
            (40, 1.0, 10_000),
            (u32::MAX, 0.0, 5000),
            (0, 0.0, 50),
            (1, f64::NAN, 50),
        ];
        for (retry, unit, want) in cases {
            assert_eq!(ms(b.delay(retry, unit)), want, "retry {retry} unit {unit}");
        }
    }
}
