//! How the dashboard shows numbers, times and payloads. Pure functions,
//! tested with tables below.
//!
//! Payloads are shown with their secrets elided, by the rule the logs
//! follow for webhooks (a URL by scheme, host and port only) and by name:
//! a value under a key that names a credential, and every header value, is
//! replaced with `[elided]`. The rule applies to the previews, the job page
//! and the JSON API alike: the dashboard is not a way around it.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value as Json;

/// What replaces an elided value.
pub const ELIDED: &str = "[elided]";

/// Parts of key names that mark a value as a secret (compared lowercase).
const SECRET_KEYS: [&str; 12] = [
    "password",
    "passwd",
    "secret",
    "token",
    "auth",
    "key",
    "cookie",
    "session",
    "credential",
    "card",
    "signature",
    "private",
];

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A span of time, short: `850 ms`, `12 s`, `3 min`, `2 h 5 min`, `3 d 4 h`.
pub fn span(ms: u64) -> String {
    let s = ms / 1000;
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=59_999 => format!("{s} s"),
        60_000..=3_599_999 => format!("{} min", s / 60),
        3_600_000..=86_399_999 => match (s / 60) % 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m} min", s / 3600),
        },
        _ => match (s / 3600) % 24 {
            0 => format!("{} d", s / 86_400),
            h => format!("{} d {h} h", s / 86_400),
        },
    }
}

/// `at` seen from `now` (both ms since the epoch): `just now`,
/// `3 min ago`, `in 12 s`.
pub fn relative(now: u64, at: u64) -> String {
    if now.abs_diff(at) < 1000 {
        return "just now".into();
    }
    if at <= now {
        format!("{} ago", span(now - at))
    } else {
        format!("in {}", span(at - now))
    }
}

/// `at` (ms since the epoch) as UTC, to the second: `2026-11-25 20:10:00 UTC`.
pub fn absolute(at: u64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(at);
    let iso = humantime::format_rfc3339_seconds(t).to_string();
    format!("{} UTC", iso.trim_end_matches('Z').replacen('T', " ", 1))
}

/// The payload with its secrets elided (see the module docs).
pub fn elide(payload: &Json) -> Json {
    elide_under(payload, false)
}

fn elide_under(value: &Json, secret: bool) -> Json {
    if secret {
        return Json::String(ELIDED.into());
    }
    match value {
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| {
                    let k_low = k.to_ascii_lowercase();
                    let v = if k_low == "headers" {
                        elide_headers(v)
                    } else {
                        elide_under(v, SECRET_KEYS.iter().any(|s| k_low.contains(s)))
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(|v| elide_under(v, false)).collect()),
        Json::String(s) => Json::String(elide_url(s)),
        other => other.clone(),
    }
}

/// Header names stay; every value goes.
fn elide_headers(v: &Json) -> Json {
    match v {
        Json::Object(map) => Json::Object(
            map.keys()
                .map(|k| (k.clone(), Json::String(ELIDED.into())))
                .collect(),
        ),
        _ => Json::String(ELIDED.into()),
    }
}

/// A URL with a host (any scheme) keeps its scheme, host and port; its
/// path, query and user info go. Anything else is left as it is.
fn elide_url(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(u) if u.has_host() => {
            let origin = redspin_core::jobs::webhook::origin(&u);
            let bare = u.path() == "/" && u.query().is_none() && u.username().is_empty();
            if bare && u.password().is_none() {
                origin
            } else {
                format!("{origin}/…")
            }
        }
        _ => s.to_owned(),
    }
}

/// A one-line preview of the elided payload, at most `max` characters.
pub fn preview(payload: &Json, max: usize) -> String {
    let text = elide(payload).to_string();
    truncate(&text, max)
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) => {
            let cut: String = s.chars().take(max.saturating_sub(1)).collect();
            format!("{cut}…")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (123456, "123,456"),
            (1234567, "1,234,567"),
        ];
        for (n, want) in cases {
            assert_eq!(thousands(n), want);
        }
    }

    #[test]
    fn spans_and_relative_times() {
        let cases = [
            (0, "0 ms"),
            (850, "850 ms"),
            (12_000, "12 s"),
            (180_000, "3 min"),
            (7_200_000, "2 h"),
            (7_500_000, "2 h 5 min"),
            (86_400_000 * 3 + 3_600_000 * 4, "3 d 4 h"),
        ];
        for (ms, want) in cases {
            assert_eq!(span(ms), want, "{ms}");
        }
        let now = 1_000_000_000;
        let cases = [
            (now, "just now"),
            (now - 500, "just now"),
            (now - 180_000, "3 min ago"),
            (now + 12_000, "in 12 s"),
        ];
        for (at, want) in cases {
            assert_eq!(relative(now, at), want);
        }
        assert_eq!(absolute(1_764_101_400_000), "2025-11-25 20:10:00 UTC");
    }

    #[test]
    fn secrets_are_elided() {
        let cases = [
            (json!({"to": "a@b.c"}), json!({"to": "a@b.c"})),
            (
                json!({"url": "https://hooks.example.com/services/T0/XXXSECRET?token=s"}),
                json!({"url": "https://hooks.example.com:443/…"}),
            ),
            (
                json!({"url": "http://example.com"}),
                json!({"url": "http://example.com:80"}),
            ),
            (
                json!({"url": "ftp://u:pw@files.example/secret-path"}),
                json!({"url": "ftp://files.example:21/…"}),
            ),
            (
                json!({"headers": {"Authorization": "Bearer abc", "X-Trace": "1"}}),
                json!({"headers": {"Authorization": ELIDED, "X-Trace": ELIDED}}),
            ),
            (
                json!({"user": {"password": "pa55", "apiKey": {"a": 1}, "name": "n"}}),
                json!({"user": {"password": ELIDED, "apiKey": ELIDED, "name": "n"}}),
            ),
            (
                json!({"body": {"card": "4111-SECRET"}}),
                json!({"body": {"card": ELIDED}}),
            ),
            (json!(["x", 1, null]), json!(["x", 1, null])),
            (json!("not a url"), json!("not a url")),
        ];
        for (input, want) in cases {
            assert_eq!(elide(&input), want, "{input}");
        }
    }

    #[test]
    fn previews_are_cut_on_character_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ééé", 2), "é…");
        let p = preview(&json!({"password": "x", "n": "y".repeat(200)}), 40);
        assert!(p.starts_with("{\"n\":\"yyy") || p.contains(ELIDED), "{p}");
        assert_eq!(p.chars().count(), 40);
        assert!(!p.contains("\"x\""));
    }
}
