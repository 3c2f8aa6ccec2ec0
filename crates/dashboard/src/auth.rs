//! Who may use the dashboard.
//!
//! With a token (`--token`, `REDSPIN_DASHBOARD_TOKEN`, at least
//! [`MIN_TOKEN_LEN`] characters) a browser signs in once through a form and
//! gets a signed session cookie (HttpOnly, SameSite=Strict, 12 hours); the
//! token itself never travels in a URL. Scripts may send it as
//! `Authorization: Bearer TOKEN` instead. Cookies are signed with a key
//! derived from the token, so they survive a restart and die with a new
//! token.
//!
//! Without a token the dashboard serves loopback only: it refuses to listen
//! anywhere else, and answers only requests whose `Host` is a loopback name
//! (a page elsewhere cannot reach it through DNS rebinding).
//!
//! Every action is a POST carrying a CSRF token bound to the session.
//! Signing out revokes the session in Redis ([`crate::gate`] checks), so a
//! copied cookie dies with the sign-out, not 12 hours later.

use std::time::Duration;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::failures::Failures;

type HmacSha256 = Hmac<Sha256>;

/// The session cookie's name.
pub const COOKIE: &str = "redspin_dashboard";
/// Shortest token accepted.
pub const MIN_TOKEN_LEN: usize = 32;
/// How long a sign-in lasts.
pub const SESSION: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the dashboard token must be at least {MIN_TOKEN_LEN} characters (e.g. `openssl rand -hex 24`)")]
    ShortToken,
}

/// The person (or script) behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// How the action log names them: never the token or the cookie.
    pub who: String,
    /// The CSRF token their forms carry.
    pub csrf: String,
    /// A signed-in browser's session (the SHA-256 of its cookie's nonce,
    /// hex), which signing out revokes; `None` for a script or loopback.
    pub session: Option<String>,
    /// Authorised by `Authorization: Bearer` on this very request (an API
    /// script): nothing ambient a cross-site page could borrow, so its
    /// actions need no CSRF token.
    pub bearer: bool,
}

pub struct Auth {
    token_digest: Option<[u8; 32]>,
    key: [u8; 32],
    secure_cookie: bool,
    /// Wrong tokens per client address (see [`crate::failures`]).
    pub failures: Failures,
}

impl Auth {
    pub fn new(token: Option<&str>, secure_cookie: bool) -> Result<Self, AuthError> {
        let (token_digest, key) = match token {
            Some(t) if t.chars().count() < MIN_TOKEN_LEN => return Err(AuthError::ShortToken),
            Some(t) => (
                Some(sha256(t.as_bytes())),
                mac(t.as_bytes(), b"session key v1"),
            ),
            None => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                (None, key)
            }
        };
        Ok(Self {
            token_digest,
            key,
            secure_cookie,
            failures: Failures::default(),
        })
    }

    /// No token: loopback only, no sign-in.
    pub fn is_open(&self) -> bool {
        self.token_digest.is_none()
    }

    /// Whether `given` is the token (compared as digests, in constant time).
    pub fn token_matches(&self, given: &str) -> bool {
        match &self.token_digest {
            Some(want) => bool::from(sha256(given.as_bytes()).ct_eq(want)),
            None => false,
        }
    }

    /// A new session cookie value: `EXPIRY.NONCE.MAC`.
    pub fn issue(&self, now_secs: u64) -> String {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let body = format!("{}.{}", now_secs + SESSION.as_secs(), hex::encode(nonce));
        let sig = hex::encode(mac(&self.key, format!("session|{body}").as_bytes()));
        format!("{body}.{sig}")
    }

    /// The viewer a session cookie value stands for, if it is genuine and
    /// not expired.
    pub fn verify(&self, cookie: &str, now_secs: u64) -> Option<Viewer> {
        let (body, sig) = cookie.rsplit_once('.')?;
        let (expiry, nonce) = body.split_once('.')?;
        let sig = hex::decode(sig).ok()?;
        let mut m = HmacSha256::new_from_slice(&self.key).expect("any key length");
        m.update(format!("session|{body}").as_bytes());
        m.verify_slice(&sig).ok()?;
        if expiry.parse::<u64>().ok()? <= now_secs {
            return None;
        }
        Some(Viewer {
            session: Some(hex::encode(sha256(nonce.as_bytes()))),
            ..self.viewer(nonce)
        })
    }

    /// The viewer of a request with no session: a script with the bearer
    /// token, or anyone in open (loopback) mode.
    pub fn sessionless(&self, who: &str) -> Viewer {
        self.viewer(who)
    }

    fn viewer(&self, session: &str) -> Viewer {
        let tag = hex::encode(&sha256(session.as_bytes())[..4]);
        Viewer {
            who: format!("session {tag}"),
            csrf: hex::encode(mac(&self.key, format!("csrf|{session}").as_bytes())),
            session: None,
            bearer: false,
        }
    }

    /// Whether a form's CSRF field is the viewer's (constant time).
    pub fn csrf_matches(viewer: &Viewer, given: &str) -> bool {
        given.len() == viewer.csrf.len()
            && bool::from(given.as_bytes().ct_eq(viewer.csrf.as_bytes()))
    }

    pub fn set_cookie(&self, value: &str) -> String {
        let secure = if self.secure_cookie { "; Secure" } else { "" };
        format!(
            "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            SESSION.as_secs()
        )
    }

    pub fn clear_cookie(&self) -> String {
        let secure = if self.secure_cookie { "; Secure" } else { "" };
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether a `Host` header names this machine's loopback interface.
pub fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn mac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key).expect("any key length");
    m.update(msg);
    m.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn tokens_shorter_than_the_minimum_are_refused() {
        assert_eq!(
            Auth::new(Some("short"), false).err(),
            Some(AuthError::ShortToken)
        );
        let auth = Auth::new(Some(TOKEN), false).unwrap();
        assert!(auth.token_matches(TOKEN));
        assert!(!auth.token_matches(&TOKEN[1..]));
        assert!(!Auth::new(None, false).unwrap().token_matches(""));
    }

    #[test]
    fn cookies_verify_until_they_expire_and_not_when_forged() {
        let auth = Auth::new(Some(TOKEN), false).unwrap();
        let c = auth.issue(1000);
        let v = auth.verify(&c, 1001).unwrap();
        assert_eq!(auth.verify(&c, 1000 + SESSION.as_secs()), None, "expired");
        let other = Auth::new(Some(&format!("{TOKEN}x")), false).unwrap();
        assert_eq!(other.verify(&c, 1001), None, "another token's key");
        let (body, _) = c.rsplit_once('.').unwrap();
        let later = body.replacen(|c: char| c.is_ascii_digit(), "9", 1);
        let forged = format!("{later}.{}", c.rsplit_once('.').unwrap().1);
        let cases = ["", "a.b", "1.2.3", &forged, "99999999999.00.zz"];
        for bad in cases {
            assert_eq!(auth.verify(bad, 1001), None, "{bad:?}");
        }
        assert!(Auth::csrf_matches(&v, &v.csrf));
        assert!(!Auth::csrf_matches(&v, ""));
        let w = auth.verify(&auth.issue(1000), 1001).unwrap();
        assert!(
            !Auth::csrf_matches(&v, &w.csrf),
            "CSRF tokens are per session"
        );
    }

    #[test]
    fn cookie_headers_and_hosts() {
        let cases = [
            ("a=1; redspin_dashboard=xyz; b=2", Some("xyz")),
            ("redspin_dashboard=", Some("")),
            ("redspin_dashboard_x=1", None),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(cookie(header, COOKIE), want, "{header}");
        }
        let hosts = [
            ("127.0.0.1:9470", true),
            ("localhost:9470", true),
            ("LOCALHOST", true),
            ("[::1]:9470", true),
            ("127.8.9.1", true),
            ("evil.example:9470", false),
            ("10.0.0.1:9470", false),
            ("", false),
        ];
        for (host, want) in hosts {
            assert_eq!(loopback_host(host), want, "{host}");
        }
        let auth = Auth::new(None, true).unwrap();
        assert!(auth.set_cookie("v").contains("HttpOnly; SameSite=Strict"));
        assert!(auth.set_cookie("v").ends_with("; Secure"));
    }
}
