//! Request validation: every bad input becomes a message for a 400 (or
//! 422-free) JSON error, never a panic.

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Largest JSON body a route reads; a larger request body is refused with
/// 413 before it is read (`platform::serve`).
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// Parses a JSON body into `T`, with a message fit for the client.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    if body.len() > MAX_JSON_BYTES {
        return Err(format!("body larger than {MAX_JSON_BYTES} bytes"));
    }
    if body.is_empty() {
        return Err("a JSON body is required".into());
    }
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

/// Validates an optional field with `check`.
pub fn optional<'a, T>(
    value: Option<&'a str>,
    check: impl FnOnce(&'a str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    value.map(check).transpose()
}

/// A user id: a positive decimal integer.
pub fn user_id(s: &str) -> Result<i64, String> {
    match s.parse::<i64>() {
        Ok(n) if n > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "user id must be a positive integer, got {:?}",
            truncate(s)
        )),
    }
}

/// A post slug: 1 to 100 of `[a-z0-9-]`.
pub fn slug(s: &str) -> Result<&str, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(s)
    } else {
        Err("slug must be 1 to 100 characters of a-z, 0-9 and -".into())
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

pub fn name(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err("name must be 1 to 100 characters".into());
    }
    Ok(t.to_owned())
}

/// A plausible email address (one `@`, a dot in the domain, no spaces),
/// lower-cased.
pub fn email(s: &str) -> Result<String, String> {
    let t = s.trim().to_ascii_lowercase();
    let ok = t.len() <= 254
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(t.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok {
        Ok(t)
    } else {
        Err("email is not a valid address".into())
    }
}

pub fn password(s: &str) -> Result<&str, String> {
    let n = s.chars().count();
    if (8..=256).contains(&n) {
        Ok(s)
    } else {
        Err("password must be 8 to 256 characters".into())
    }
}

/// An avatar URL: `http(s)://`, at most 2048 characters.
pub fn avatar(s: &str) -> Result<String, String> {
    let ok = s.len() <= 2048
        && (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(s.to_owned())
    } else {
        Err("avatar must be an http(s) URL".into())
    }
}

/// `POST /users`.
#[derive(Debug, Deserialize)]
pub struct Register {
    pub name: String,
    pub email: String,
    pub password: String,
    pub avatar: Option<String>,
}

/// `PUT /users/:id`: only the fields given change. A user changing their
/// own `email` gives `current_password` too.
#[derive(Debug, Deserialize)]
pub struct UpdateUser {
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    pub current_password: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Deserialize)]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// `PUT /posts/:slug`.
#[derive(Debug, Deserialize)]
pub struct PutPost {
    pub title: String,
    pub body: String,
}

/// `POST /tasks`.
#[derive(Debug, Deserialize)]
pub struct NewTask {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: serde_json::Value,
    pub delay_ms: Option<u64>,
    pub max_attempts: Option<u32>,
    /// Longest one attempt may run (ms).
    pub timeout_ms: Option<u64>,
    /// At most one unfinished task with this key ([`redspin_core::NewJob`]).
    pub unique_key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_slugs() {
        let ids = [
            ("1", Some(1)),
            ("42", Some(42)),
            ("0", None),
            ("-1", None),
            ("+1", None),
            ("abc", None),
            ("1.5", None),
            ("", None),
            ("99999999999999999999", None),
        ];
        for (s, want) in ids {
            assert_eq!(user_id(s).ok(), want, "{s:?}");
        }
        let slugs = [
            ("hello-world", true),
            ("a", true),
            ("", false),
            ("Hello", false),
            ("a/b", false),
            ("a b", false),
        ];
        for (s, ok) in slugs {
            assert_eq!(slug(s).is_ok(), ok, "{s:?}");
        }
        assert!(slug(&"a".repeat(101)).is_err());
    }

    #[test]
    fn fields() {
        let emails = [
            ("alice@example.com", true),
            ("  Alice@Example.COM ", true),
            ("a@b", false),
            ("nope", false),
            ("a@@b.c", false),
            ("a b@c.d", false),
            ("@b.c", false),
            ("a@.c", false),
        ];
        for (s, ok) in emails {
            assert_eq!(email(s).is_ok(), ok, "{s:?}");
        }
        assert_eq!(email(" Alice@Example.COM").unwrap(), "alice@example.com");
        assert!(name("  ").is_err());
        assert_eq!(name(" Ann ").unwrap(), "Ann");
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert!(avatar("https://x.y/a.png").is_ok());
        assert!(avatar("javascript:alert(1)").is_err());
    }

    #[test]
    fn bodies() {
        assert!(json_body::<Login>(b"").is_err());
        assert!(json_body::<Login>(b"{")
            .unwrap_err()
            .starts_with("invalid JSON body"));
        assert!(json_body::<Login>(br#"{"email": "a@b.c"}"#).is_err());
        assert!(json_body::<Login>(&vec![b' '; MAX_JSON_BYTES + 1]).is_err());
        let t: NewTask = json_body(br#"{"type": "noop"}"#).unwrap();
        assert_eq!((t.kind.as_str(), t.delay_ms), ("noop", None));
    }
}
