//! When a schedule ticks: a cron expression (five fields, or six with
//! seconds first) read in a time zone with its daylight-saving rules
//! (IANA names, UTC by default), parsed by `croner` and `chrono-tz`.

use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// A cron expression in a time zone.
#[derive(Debug, Clone)]
pub struct Spec {
    cron: Cron,
    tz: Tz,
}

/// Why a schedule's timing was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("--cron {0:?} is not a cron expression of five fields (or six, seconds first): {1}")]
    Cron(String, String),
    #[error("--tz {0:?} is not a time zone (an IANA name such as Europe/Berlin, or UTC)")]
    Zone(String),
}

impl Spec {
    pub fn parse(cron: &str, tz: &str) -> Result<Self, SpecError> {
        let fields = cron.split_whitespace().count();
        let parsed = if matches!(fields, 5 | 6) {
            CronParser::builder()
                .seconds(Seconds::Optional)
                .year(Year::Disallowed)
                .build()
                .parse(cron)
                .map_err(|e| e.to_string())
        } else {
            Err(format!("it has {fields} fields"))
        };
        let cron = parsed.map_err(|e| SpecError::Cron(cron.to_owned(), e))?;
        let tz = Tz::from_str(tz).map_err(|_| SpecError::Zone(tz.to_owned()))?;
        Ok(Self { cron, tz })
    }

    /// The first tick strictly after `after_ms`, `None` if there is none.
    pub fn next_after(&self, after_ms: u64) -> Option<u64> {
        let t = self.at(after_ms)?;
        let next = self.cron.find_next_occurrence(&t, false).ok()?;
        u64::try_from(next.timestamp_millis()).ok()
    }

    /// The tick to run for a schedule due at `due_ms`, now `now_ms`: the
    /// latest tick at or before now (ticks missed while no worker ran give
    /// one catch-up run, not a burst), and the one after it.
    pub fn catch_up(&self, due_ms: u64, now_ms: u64) -> (u64, Option<u64>) {
        let latest = self
            .at(now_ms)
            .and_then(|t| self.cron.find_previous_occurrence(&t, true).ok())
            .and_then(|t| u64::try_from(t.timestamp_millis()).ok())
            .filter(|t| *t >= due_ms)
            .unwrap_or(due_ms);
        (latest, self.next_after(now_ms.max(latest)))
    }

    /// `ms` in the schedule's zone, down to the whole second (ticks fall
    /// on whole seconds; the search would keep the milliseconds).
    fn at(&self, ms: u64) -> Option<DateTime<Tz>> {
        let whole = i64::try_from(ms - ms % 1000).ok()?;
        let utc: DateTime<Utc> = Utc.timestamp_millis_opt(whole).single()?;
        Some(utc.with_timezone(&self.tz))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds of a UTC time written `YYYY-MM-DDTHH:MM:SSZ`.
    fn ms(s: &str) -> u64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis() as u64
    }

    #[test]
    fn next_ticks_in_zones_across_daylight_saving() {
        let cases = [
            (
                "*/15 * * * *",
                "UTC",
                "2026-01-01T10:07:00Z",
                "2026-01-01T10:15:00Z",
            ),
            (
                "*/10 * * * * *",
                "UTC",
                "2026-01-01T10:00:05Z",
                "2026-01-01T10:00:10Z",
            ),
            (
                "0 9 * * *",
                "America/New_York",
                "2026-03-07T15:00:00Z",
                "2026-03-08T13:00:00Z",
            ),
            (
                "0 9 * * *",
                "America/New_York",
                "2026-03-06T15:00:00Z",
                "2026-03-07T14:00:00Z",
            ),
            (
                "0 9 * * MON",
                "Europe/Berlin",
                "2026-10-20T00:00:00Z",
                "2026-10-26T08:00:00Z",
            ),
            // 02:30 does not exist that night (02:00 jumps to 03:00): the
            // tick runs when the gap ends, 03:00 CEST.
            (
                "30 2 * * *",
                "Europe/Berlin",
                "2026-03-28T12:00:00Z",
                "2026-03-29T01:00:00Z",
            ),
        ];
        for (cron, tz, from, want) in cases {
            let spec = Spec::parse(cron, tz).unwrap();
            assert_eq!(
                spec.next_after(ms(from)),
                Some(ms(want)),
                "{cron} {tz} after {from}"
            );
        }
    }

    #[test]
    fn missed_ticks_give_one_catch_up_run() {
        let spec = Spec::parse("0 * * * *", "UTC").unwrap();
        let due = ms("2026-01-01T10:00:00Z");
        let cases = [
            (
                "2026-01-01T10:00:00Z",
                "2026-01-01T10:00:00Z",
                "2026-01-01T11:00:00Z",
            ),
            (
                "2026-01-01T10:30:00Z",
                "2026-01-01T10:00:00Z",
                "2026-01-01T11:00:00Z",
            ),
            (
                "2026-01-01T14:10:00Z",
                "2026-01-01T14:00:00Z",
                "2026-01-01T15:00:00Z",
            ),
        ];
        for (now, tick, next) in cases {
            assert_eq!(
                spec.catch_up(due, ms(now)),
                (ms(tick), Some(ms(next))),
                "now {now}"
            );
        }
    }

    #[test]
    fn bad_expressions_and_zones_are_refused_naming_them() {
        let cases = [
            ("* * * *", "UTC", "--cron"),
            ("* * * * * * *", "UTC", "--cron"),
            ("61 * * * *", "UTC", "--cron"),
            ("every day", "UTC", "--cron"),
            ("* * * * *", "Mars/Olympus", "--tz"),
            ("* * * * *", "", "--tz"),
        ];
        for (cron, tz, flag) in cases {
            let e = Spec::parse(cron, tz).unwrap_err().to_string();
            assert!(e.starts_with(flag), "{cron} {tz}: {e}");
        }
        assert!(Spec::parse("0 0 * * SUN", "Asia/Tokyo").is_ok());
    }
}
