//! Reading what a request asks for (query strings and forms) and turning
//! failures into answers. Everything here is hostile input: a bad value is
//! a 400 that says which, never a panic.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;

use super::gate::refuse;
use super::views::PER_PAGE;
use redspin_core::ops::Limits;
use redspin_queue::admin::Action;
use redspin_queue::QueueError;

/// Highest page number accepted.
const MAX_PAGE: u64 = 1_000_000;
/// Longest job id accepted in a search or an action.
const MAX_ID_LEN: usize = 128;

/// A request that cannot be answered, and how to say so.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
}

impl Failure {
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn into_response(self, api: bool) -> Response {
        refuse(api, self.status, &self.message)
    }
}

impl From<QueueError> for Failure {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::Core(
                c @ (redspin_core::CoreError::InvalidName { .. }
                | redspin_core::CoreError::InvalidJob(_)),
            ) => Failure::bad(c.to_string()),
            // Redis's own words stay in the log: they can name hosts,
            // keys and settings a viewer has no business seeing.
            QueueError::Redis(r) => {
                tracing::warn!(error = %redspin_core::error::Chain(&r), "dashboard: Redis request failed");
                Failure {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: "Redis is unavailable; try again shortly".into(),
                }
            }
            other => Failure {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: other.to_string(),
            },
        }
    }
}

pub type Params = HashMap<String, String>;

/// The `page` parameter (1-based) as an offset.
pub fn offset(p: &Params) -> Result<u64, Failure> {
    match p.get("page") {
        None => Ok(0),
        Some(s) => match s.parse::<u64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok((n - 1) * PER_PAGE),
            _ => Err(Failure::bad(format!(
                "page must be a number from 1 to {MAX_PAGE}"
            ))),
        },
    }
}

/// The `queue` parameter, or the first known queue with `default` first.
pub fn queue(p: &Params, known: &[String]) -> Result<String, Failure> {
    match p.get("queue") {
        Some(q) => {
            redspin_core::keys::validate_queue_name(q).map_err(|e| Failure::bad(e.to_string()))?;
            Ok(q.clone())
        }
        None => Ok(known
            .iter()
            .find(|q| *q == redspin_core::keys::DEFAULT_QUEUE)
            .or(known.first())
            .cloned()
            .unwrap_or_else(|| redspin_core::keys::DEFAULT_QUEUE.into())),
    }
}

/// A job id: 1 to 128 printable characters.
pub fn job_id(raw: Option<&String>) -> Result<String, Failure> {
    let id = raw.map(|s| s.trim()).unwrap_or("");
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Failure::bad(format!(
            "a job id is 1 to {MAX_ID_LEN} printable characters"
        )));
    }
    Ok(id.to_owned())
}

/// The limits a `/queue/limit` form sets: `rate` (with `per_ms`, 1000 by
/// default) and `concurrency`, each a positive whole number or empty.
fn limits(form: &Params) -> Result<Limits, Failure> {
    let field = |name: &str| -> Result<Option<u64>, Failure> {
        match form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(Failure::bad(format!(
                    "{name} must be a positive whole number"
                ))),
            },
        }
    };
    let (rate, per_ms, concurrency) = (field("rate")?, field("per_ms")?, field("concurrency")?);
    if rate.is_none() && concurrency.is_none() {
        return Err(Failure::bad("set a rate, a concurrency, or both"));
    }
    if per_ms.is_some() && rate.is_none() {
        return Err(Failure::bad("per_ms needs a rate"));
    }
    Ok(Limits {
        rate,
        per_ms: rate.map(|_| per_ms.unwrap_or(1000)),
        concurrency,
    })
}

/// The action a form asks for at `path` (`/scheduled/run-now`, ...; the
/// same under `/api/`).
pub fn action(path: &str, form: &Params) -> Result<Action, Failure> {
    let path = path.strip_prefix("/api").unwrap_or(path);
    let one = || -> Result<(String, u64), Failure> {
        let id = job_id(form.get("id"))?;
        let at = form
            .get("at")
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| Failure::bad("at must be the job's time in ms"))?;
        Ok((id, at))
    };
    Ok(match path {
        "/scheduled/run-now" => {
            let (id, at) = one()?;
            Action::RunNow { id, at }
        }
        "/dead/retry" => {
            let (id, at) = one()?;
            Action::Retry { id, at }
        }
        "/dead/delete" => {
            let (id, at) = one()?;
            Action::Delete { id, at }
        }
        "/dead/retry-all" => Action::RetryAll,
        "/dead/purge-all" => Action::PurgeAll,
        "/queue/pause" => Action::Pause,
        "/queue/resume" => Action::Resume,
        "/queue/limit" => Action::Limit(limits(form)?),
        "/queue/clear-limits" => Action::ClearLimits,
        "/job/cancel" => Action::Cancel {
            id: job_id(form.get("id"))?,
        },
        "/schedules/remove" => {
            let name = form.get("name").map(String::as_str).unwrap_or("");
            redspin_core::ops::validate_schedule_name(name)
                .map_err(|e| Failure::bad(e.to_string()))?;
            Action::RemoveSchedule { name: name.into() }
        }
        _ => {
            return Err(Failure {
                status: StatusCode::NOT_FOUND,
                message: "no such action".into(),
            })
        }
    })
}

/// The notice shown after an action, from a fixed table (nothing from the
/// query string is echoed).
pub fn notice(p: &Params) -> Option<String> {
    let n: usize = p.get("n")?.parse().ok()?;
    let text = match (p.get("notice")?.as_str(), n) {
        ("run-now", 0) => "The job had already left the scheduled set.".into(),
        ("run-now", _) => "The job was moved to the ready list.".into(),
        ("retry", 0) | ("delete", 0) => "The job was no longer in the dead set.".into(),
        ("retry", _) => "The job was sent back to its queue.".into(),
        ("delete", _) => "The job was deleted.".into(),
        ("retry-all", n) => format!("{n} dead job(s) sent back to the queue."),
        ("purge-all", _) => "The dead set was purged.".into(),
        ("pause", _) => "The queue is paused: no job starts until it is resumed.".into(),
        ("resume", _) => "The queue is resumed.".into(),
        ("limit", _) => "The queue's limits are set.".into(),
        ("clear-limits", _) => "The queue has no limits now.".into(),
        ("cancel", 0) => "The job had already finished: nothing to cancel.".into(),
        ("cancel", _) => "The job is cancelled.".into(),
        ("remove-schedule", 0) => "There was no such schedule.".into(),
        ("remove-schedule", _) => "The schedule is removed.".into(),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pages_queues_and_ids() {
        let cases = [
            (vec![], Some(0)),
            (vec![("page", "1")], Some(0)),
            (vec![("page", "3")], Some(2 * PER_PAGE)),
            (vec![("page", "0")], None),
            (vec![("page", "-1")], None),
            (vec![("page", "x")], None),
            (vec![("page", "99999999999")], None),
        ];
        for (p, want) in cases {
            assert_eq!(offset(&params(&p)).ok(), want, "{p:?}");
        }
        let known = vec!["a".to_string(), "default".to_string()];
        assert_eq!(queue(&params(&[]), &known).unwrap(), "default");
        assert_eq!(queue(&params(&[]), &known[..1]).unwrap(), "a");
        assert_eq!(
            queue(&params(&[("queue", "mail")]), &known).unwrap(),
            "mail"
        );
        assert!(queue(&params(&[("queue", "a{b}")]), &known).is_err());
        let ids = [
            ("abc", true),
            ("", false),
            (" ", false),
            ("a b", false),
            ("é", false),
        ];
        for (id, ok) in ids {
            assert_eq!(job_id(Some(&id.to_string())).is_ok(), ok, "{id:?}");
        }
        assert!(job_id(Some(&"x".repeat(129))).is_err());
    }

    #[test]
    fn actions_and_notices() {
        let f = params(&[("id", "j1"), ("at", "5")]);
        assert_eq!(
            action("/dead/retry", &f).unwrap(),
            Action::Retry {
                id: "j1".into(),
                at: 5
            }
        );
        assert!(action("/dead/retry", &params(&[("id", "j1")])).is_err());
        assert!(action("/dead/retry", &params(&[("id", "j1"), ("at", "x")])).is_err());
        assert_eq!(
            action("/dead/purge-all", &params(&[])).unwrap(),
            Action::PurgeAll
        );
        assert_eq!(
            action("/nope", &f).unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        let n = |k: &str, n: &str| notice(&params(&[("notice", k), ("n", n)]));
        assert_eq!(
            n("retry", "1").as_deref(),
            Some("The job was sent back to its queue.")
        );
        assert_eq!(
            n("retry-all", "7").as_deref(),
            Some("7 dead job(s) sent back to the queue.")
        );
        assert_eq!(n("<script>", "1"), None);
        let limit = |pairs: &[(&str, &str)]| action("/api/queue/limit", &params(pairs));
        assert_eq!(
            limit(&[("rate", "10"), ("concurrency", "")]).unwrap(),
            Action::Limit(Limits {
                rate: Some(10),
                per_ms: Some(1000),
                concurrency: None
            })
        );
        for bad in [
            &[][..],
            &[("rate", "0")],
            &[("concurrency", "x")],
            &[("per_ms", "5")],
        ] {
            assert!(limit(bad).is_err(), "{bad:?}");
        }
        assert!(action("/schedules/remove", &params(&[("name", "a b")])).is_err());
        assert_eq!(n("retry", "x"), None);
    }
}
