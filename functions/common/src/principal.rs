//! Who is asking: the admin (bearer token) or a logged-in user (session
//! cookie). Session ids are checked for shape before Redis is asked and
//! never logged.

use redspin_edge::{Session, SessionId, SessionStore};

use crate::api::{self, ApiError};
use crate::context::Ctx;

pub enum Principal {
    Admin,
    User { id: i64 },
}

/// True when the request carries the admin token. The digests of the
/// given and the configured token are compared in constant time, so
/// neither the token's length nor a matching prefix shows in the timing.
pub fn is_admin(ctx: &Ctx) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    let (Some(want), Some(given)) = (
        ctx.config.admin_digest,
        ctx.header("authorization")
            .and_then(|h| h.strip_prefix("Bearer ")),
    ) else {
        return false;
    };
    let given: [u8; 32] = sha2::Sha256::digest(given.as_bytes()).into();
    given.ct_eq(&want).into()
}

/// The logged-in user, or 401 (`not logged in` / `session expired`), or
/// 503 when the session store is unavailable.
pub async fn user(ctx: &Ctx) -> Result<(Session, SessionId), ApiError> {
    let expired = || {
        let clear = ctx.session_cookie().clear();
        ApiError::new(401, "session expired").with_header("set-cookie", clear)
    };
    let Some(raw) = ctx.session_id().filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(401, "not logged in"));
    };
    let Some(id) = SessionId::parse(raw) else {
        return Err(expired());
    };
    let store = session_store(ctx).await?;
    match store.load(&id).await {
        Ok(Some(s)) => Ok((s, id)),
        Ok(None) => Err(expired()),
        Err(e) => Err(ApiError::unavailable("session store", &e)),
    }
}

/// The session store over the request's connection, or 503.
pub async fn session_store(ctx: &Ctx) -> Result<SessionStore<&redspin_edge::SpinRedis>, ApiError> {
    let redis = api::redis(ctx, "session store").await?;
    Ok(SessionStore::new(
        redis,
        ctx.config.keys.clone(),
        ctx.config.sessions.clone(),
    ))
}

/// The admin, or else the logged-in user.
pub async fn require(ctx: &Ctx) -> Result<Principal, ApiError> {
    if is_admin(ctx) {
        return Ok(Principal::Admin);
    }
    let (session, _) = user(ctx).await?;
    Ok(Principal::User {
        id: session.user_id,
    })
}
