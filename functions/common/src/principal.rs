//! Who is asking: the admin (bearer token) or a logged-in user (session
//! cookie). Session ids are checked for shape before Redis is asked and
//! never logged.

use redspin_edge::{Session, SessionCookie, SessionId, SessionStore};

use crate::api::{header, ApiError, Request};
use crate::config::Config;
use crate::platform::SpinRedis;

/// The request's one Redis connection (or why there is none).
pub type Redis = Result<SpinRedis, redspin_edge::EdgeError>;

/// Opens the request's Redis connection.
pub async fn connect(config: &Config) -> Redis {
    SpinRedis::open(&config.redis_address).await
}

pub enum Principal {
    Admin,
    User { id: i64 },
}

/// True when the request carries the admin token. The digests of the
/// given and the configured token are compared in constant time, so
/// neither the token's length nor a matching prefix shows in the timing.
pub fn is_admin(req: &Request, config: &Config) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    let (Some(want), Some(given)) = (
        config.admin_digest,
        header(req, "authorization").and_then(|h| h.strip_prefix("Bearer ")),
    ) else {
        return false;
    };
    let given: [u8; 32] = sha2::Sha256::digest(given.as_bytes()).into();
    given.ct_eq(&want).into()
}

/// The session cookie as this app names it (`__Host-sid` when secure).
pub fn session_cookie(config: &Config) -> SessionCookie {
    SessionCookie {
        secure: config.cookie_secure,
    }
}

/// The session id in the request's cookie, if any (of any shape).
pub fn cookie(req: &Request, config: &Config) -> Option<String> {
    header(req, "cookie")
        .and_then(|h| session_cookie(config).value_in(h))
        .map(str::to_owned)
}

/// The logged-in user, or 401 (`not logged in` / `session expired`), or
/// 503 when the session store is unavailable.
pub async fn user(
    req: &Request,
    config: &Config,
    redis: &Redis,
) -> Result<(Session, SessionId), ApiError> {
    let expired = || {
        let clear = session_cookie(config).clear();
        ApiError::new(401, "session expired").with_header("set-cookie", clear)
    };
    let Some(raw) = cookie(req, config).filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(401, "not logged in"));
    };
    let Some(id) = SessionId::parse(&raw) else {
        return Err(expired());
    };
    let redis = redis
        .as_ref()
        .map_err(|e| ApiError::unavailable("session store", e))?;
    let store = SessionStore::new(redis, config.keys.clone(), config.sessions.clone());
    match store.load(&id).await {
        Ok(Some(s)) => Ok((s, id)),
        Ok(None) => Err(expired()),
        Err(e) => Err(ApiError::unavailable("session store", &e)),
    }
}

/// The admin, or else the logged-in user.
pub async fn require(req: &Request, config: &Config, redis: &Redis) -> Result<Principal, ApiError> {
    if is_admin(req, config) {
        return Ok(Principal::Admin);
    }
    let (session, _) = user(req, config, redis).await?;
    Ok(Principal::User {
        id: session.user_id,
    })
}
