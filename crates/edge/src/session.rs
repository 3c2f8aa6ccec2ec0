//! Cookie sessions in Redis: create, load (sliding the idle expiry within
//! an absolute lifetime, atomically in a script), destroy, destroy all of a
//! user's sessions (a per-user index, no scans). A user keeps at most
//! [`SessionConfig::max_per_user`] sessions: a login beyond it ends the
//! oldest.
//!
//! Session ids are 256 bits from the system's CSPRNG, written as 64
//! lowercase hex digits; an id of any other shape is rejected before Redis
//! is asked. Redis holds only their SHA-256 digests ([`SessionId::digest`]):
//! whoever can list or read its keys learns no live session. Ids never
//! appear in `Debug` output.

use std::fmt;
use std::time::Duration;

use futures::future::join_all;
use redspin_core::{Command, KeySchema, Value};
use serde::{Deserialize, Serialize};

use crate::redis::optional_bytes;
use crate::util::{now_ms, random_bytes};
use crate::{scripts, EdgeError, Redis};

/// The session cookie's name over plain HTTP (development).
pub const COOKIE_NAME: &str = "sid";
/// Its name when `Secure`: the `__Host-` prefix makes browsers refuse it
/// unless it is `Secure`, has `Path=/` and no `Domain`, so a sibling
/// subdomain or a plain-HTTP page cannot plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-sid";

/// A session id of the right shape.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// A new random id.
    pub fn generate() -> Result<Self, EdgeError> {
        let mut bytes = [0u8; 32];
        random_bytes(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// `None` unless `s` is 64 lowercase hex digits.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| Self(s.to_owned()))
    }

    /// The id itself, for the cookie. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The name Redis knows the session by: SHA-256 of the id, in hex.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

/// What a session holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: i64,
    pub created_ms: u64,
    /// The session ends at this time however active it is.
    pub absolute_expiry_ms: u64,
}

impl Session {
    /// How long the browser should keep the cookie from `now_ms`: the idle
    /// expiry, but never past the absolute end. Re-sent on each check so a
    /// session in use keeps its cookie.
    pub fn cookie_max_age(&self, idle: Duration, now_ms: u64) -> Duration {
        let left = Duration::from_millis(self.absolute_expiry_ms.saturating_sub(now_ms));
        idle.min(left)
    }
}

/// Session lifetimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Idle expiry, slid by each use (default 7 days).
    pub idle: Duration,
    /// Absolute lifetime from creation (default 30 days).
    pub absolute: Duration,
    /// Most sessions one user keeps; a login beyond ends the oldest
    /// (default 50, at least 1).
    pub max_per_user: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(7 * 24 * 3600),
            absolute: Duration::from_secs(30 * 24 * 3600),
            max_per_user: 50,
        }
    }
}

/// Sessions over one Redis connection.
pub struct SessionStore<R> {
    redis: R,
    keys: KeySchema,
    config: SessionConfig,
}

impl<R: Redis> SessionStore<R> {
    pub fn new(redis: R, keys: KeySchema, config: SessionConfig) -> Self {
        Self {
            redis,
            keys,
            config,
        }
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Starts a session for `user_id`, ending the user's oldest beyond
    /// [`SessionConfig::max_per_user`].
    pub async fn create(&self, user_id: i64) -> Result<(SessionId, Session), EdgeError> {
        let id = SessionId::generate()?;
        let now = now_ms();
        let absolute = self.config.absolute.as_millis() as u64;
        let session = Session {
            user_id,
            created_ms: now,
            absolute_expiry_ms: now + absolute,
        };
        // The index first: a session is never unreachable from it.
        let ended = crate::redis::script(
            &self.redis,
            &scripts::SESSION_ADD,
            vec![self.keys.user_sessions(&user_id.to_string())],
            vec![
                id.digest().into(),
                absolute.max(1).into(),
                self.config.max_per_user.max(1).into(),
            ],
        )
        .await?;
        self.delete_records(ended.into_items()).await?;
        let value = format!(
            "{}|{}",
            session.absolute_expiry_ms,
            serde_json::to_string(&session)?
        );
        let idle = self.config.idle.min(self.config.absolute).as_millis() as u64;
        let cmd = Command::new("SET")
            .arg(self.keys.session(&id.digest()))
            .arg(value)
            .arg("PX")
            .arg(idle.max(1));
        self.redis.execute(&cmd).await?;
        Ok((id, session))
    }

    /// The live session `id`, its idle expiry slid forward; `None` if it
    /// does not exist or has expired.
    pub async fn load(&self, id: &SessionId) -> Result<Option<Session>, EdgeError> {
        let reply = crate::redis::script(
            &self.redis,
            &scripts::SESSION_TOUCH,
            vec![self.keys.session(&id.digest())],
            vec![
                now_ms().into(),
                (self.config.idle.as_millis() as u64).into(),
            ],
        )
        .await?;
        let Some(session) = optional_bytes(reply, "session")?.and_then(|v| decode(&v)) else {
            return Ok(None);
        };
        // A session created until the user's last "log out everywhere" is
        // void, even one whose login raced that logout past the index.
        let logout = Command::new("GET").arg(self.keys.user_logout(&session.user_id.to_string()));
        let logged_out_at = optional_bytes(self.redis.execute(&logout).await?, "user logout")?
            .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<u64>().ok());
        if logged_out_at.is_some_and(|t| session.created_ms <= t) {
            let del = Command::new("DEL").arg(self.keys.session(&id.digest()));
            self.redis.execute(&del).await?;
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// Ends session `id`. Returns the session it ended, if any.
    pub async fn destroy(&self, id: &SessionId) -> Result<Option<Session>, EdgeError> {
        let getdel = Command::new("GETDEL").arg(self.keys.session(&id.digest()));
        let reply = self.redis.execute(&getdel).await?;
        let session = optional_bytes(reply, "getdel")?.and_then(|v| decode(&v));
        if let Some(s) = &session {
            let zrem = Command::new("ZREM")
                .arg(self.keys.user_sessions(&s.user_id.to_string()))
                .arg(id.digest());
            self.redis.execute(&zrem).await?;
        }
        Ok(session)
    }

    /// Ends every session of `user_id`. Returns how many there were. Ids
    /// are popped from the index, so a session created meanwhile is either
    /// ended too or left in the index, never lost from it; and any session
    /// created until now fails [`load`](Self::load) from here on, so a
    /// login racing this call cannot outlive it.
    pub async fn destroy_all(&self, user_id: i64) -> Result<u64, EdgeError> {
        // First the time after which sessions count: a login in flight
        // that the index misses is void all the same (kept as long as any
        // session can live).
        let mark = Command::new("SET")
            .arg(self.keys.user_logout(&user_id.to_string()))
            .arg(now_ms())
            .arg("PX")
            .arg((self.config.absolute.as_millis() as u64).max(1));
        self.redis.execute(&mark).await?;
        let index = self.keys.user_sessions(&user_id.to_string());
        let mut ended = 0;
        loop {
            let zpop = Command::new("ZPOPMIN").arg(&index).arg(100i64);
            // Members and scores, alternately: the digests are every other.
            let popped: Vec<Value> = self
                .redis
                .execute(&zpop)
                .await?
                .into_items()
                .into_iter()
                .step_by(2)
                .collect();
            if popped.is_empty() {
                return Ok(ended);
            }
            ended += self.delete_records(popped).await?;
        }
    }

    /// Deletes the records of the sessions named by `digests`; how many
    /// there were. Each key on its own (they may live in different cluster
    /// slots), all at once.
    async fn delete_records(&self, digests: Vec<Value>) -> Result<u64, EdgeError> {
        let mut dels = Vec::with_capacity(digests.len());
        for d in digests {
            if let Value::Nil = d {
                continue;
            }
            let digest = d.into_string("session digest")?;
            dels.push(Command::new("DEL").arg(self.keys.session(&digest)));
        }
        let mut deleted = 0;
        for reply in join_all(dels.iter().map(|c| self.redis.execute(c))).await {
            deleted += reply?.as_i64("del")? as u64;
        }
        Ok(deleted)
    }
}

fn decode(stored: &[u8]) -> Option<Session> {
    let text = std::str::from_utf8(stored).ok()?;
    let (_, json) = text.split_once('|')?;
    serde_json::from_str(json).ok()
}

/// The `Set-Cookie` values for a session.
#[derive(Debug, Clone)]
pub struct SessionCookie {
    /// Adds `Secure` (browsers then send the cookie over HTTPS only).
    pub secure: bool,
}

impl SessionCookie {
    /// `__Host-sid` when secure, else `sid`.
    pub fn name(&self) -> &'static str {
        if self.secure {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        }
    }

    /// `NAME=ID; HttpOnly; SameSite=Lax; Path=/; Max-Age=N[; Secure]`.
    pub fn set(&self, id: &SessionId, max_age: Duration) -> String {
        self.with_value(id.expose(), max_age.as_secs())
    }

    /// A cookie that makes the browser forget the session.
    pub fn clear(&self) -> String {
        self.with_value("", 0)
    }

    fn with_value(&self, value: &str, max_age: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        let name = self.name();
        format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
    }

    /// The session cookie's value from a `Cookie` header, if there is one
    /// (under this cookie's name only). Shape is not checked here: see
    /// [`SessionId::parse`].
    pub fn value_in<'h>(&self, header: &'h str) -> Option<&'h str> {
        header.split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name.trim() == self.name()).then(|| value.trim().trim_matches('"'))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_well_formed() {
        let a = SessionId::generate().unwrap();
        let b = SessionId::generate().unwrap();
        assert_ne!(a, b);
        assert!(SessionId::parse(a.expose()).is_some());
        assert_eq!(format!("{a:?}"), "SessionId(<redacted>)");
    }

    #[test]
    fn cookie_max_age_is_idle_capped_by_the_absolute_end() {
        let s = Session {
            user_id: 1,
            created_ms: 0,
            absolute_expiry_ms: 100_000,
        };
        let idle = Duration::from_secs(30);
        for (now_ms, want_secs) in [
            (0, 30),
            (70_000, 30),
            (80_000, 20),
            (99_500, 0),
            (100_000, 0),
            (200_000, 0),
        ] {
            assert_eq!(
                s.cookie_max_age(idle, now_ms).as_secs(),
                want_secs,
                "{now_ms}"
            );
        }
    }

    #[test]
    fn id_shapes() {
        let good = "0123456789abcdef".repeat(4);
        let cases = [
            (good.as_str(), true),
            (&good[..63], false),
            (
                "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                false,
            ),
            ("", false),
            ("../../etc/passwd", false),
            (
                "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                false,
            ),
        ];
        for (s, ok) in cases {
            assert_eq!(SessionId::parse(s).is_some(), ok, "{s:?}");
        }
    }

    #[test]
    fn cookie_headers() {
        let cases = [
            ("sid=abc", Some("abc")),
            ("a=1; sid=abc; b=2", Some("abc")),
            ("sid=\"abc\"", Some("abc")),
            ("xsid=abc", None),
            ("sid", None),
            ("", None),
        ];
        let plain = SessionCookie { secure: false };
        for (h, want) in cases {
            assert_eq!(plain.value_in(h), want, "{h:?}");
        }
        let secure = SessionCookie { secure: true };
        assert_eq!(secure.value_in("sid=abc; __Host-sid=def"), Some("def"));
        assert_eq!(
            secure.value_in("sid=abc"),
            None,
            "no plain cookie when secure"
        );
        let id = SessionId::parse(&"a".repeat(64)).unwrap();
        let c = SessionCookie { secure: true };
        assert_eq!(
            c.set(&id, Duration::from_secs(604800)),
            format!(
                "__Host-sid={}; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800; Secure",
                "a".repeat(64)
            )
        );
        assert_eq!(
            SessionCookie { secure: false }.clear(),
            "sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn stored_sessions_decode() {
        let s = Session {
            user_id: 1,
            created_ms: 2,
            absolute_expiry_ms: 3,
        };
        let stored = format!("3|{}", serde_json::to_string(&s).unwrap());
        assert_eq!(decode(stored.as_bytes()), Some(s));
        assert_eq!(decode(b"garbage"), None);
        assert_eq!(decode(b"3|{}"), None);
    }
}
