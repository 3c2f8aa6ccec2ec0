//! Device cookies, as OWASP's "Slow Down Online Guessing Attacks with
//! Device Cookies" describes them: a successful login also leaves a cookie
//! that says "this browser signed in to this email before". A login from a
//! browser presenting one for the email it tries has a small failure budget
//! of its own ([`crate::auth`]) and is never locked out by failures from
//! elsewhere; the per-email lock applies to untrusted clients only. So an
//! attacker guessing passwords from anywhere cannot lock the owner out, and
//! a stolen device cookie buys only its own few guesses.
//!
//! The cookie holds a random 256-bit token; Redis holds its SHA-256 with the
//! email's id (`P:device:D`, 90 days), so the cookie cannot be forged or
//! moved to another email, and a Redis reader learns no token.

use std::time::Duration;

use redspin_core::Command;
use redspin_edge::{Redis, SessionId};

use crate::api::{self, ApiError};
use crate::context::Ctx;

/// How long a device stays trusted after its last successful login.
pub const LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

fn name(ctx: &Ctx) -> &'static str {
    if ctx.config.cookie_secure {
        "__Host-device"
    } else {
        "device"
    }
}

/// The device cookie's token in the request, if it has one of the right
/// shape.
fn token(ctx: &Ctx) -> Option<SessionId> {
    let name = name(ctx);
    ctx.header("cookie")?.split(';').find_map(|pair| {
        let (n, v) = pair.split_once('=')?;
        (n.trim() == name).then(|| SessionId::parse(v.trim()))?
    })
}

/// The digest of the request's device cookie when it trusts this browser
/// for `email_id`.
pub async fn trusted(ctx: &Ctx, email_id: &str) -> Result<Option<String>, ApiError> {
    let Some(token) = token(ctx) else {
        return Ok(None);
    };
    let redis = api::redis(ctx, "session store").await?;
    let digest = token.digest();
    let get = Command::new("GET").arg(ctx.config.keys.device(&digest));
    let stored = redis
        .execute(&get)
        .await
        .map_err(|e| ApiError::unavailable("session store", &e))?;
    let known = stored.into_string("device").ok();
    Ok((known.as_deref() == Some(email_id)).then_some(digest))
}

/// A new device cookie for `email_id`: the `Set-Cookie` value.
pub async fn issue(ctx: &Ctx, email_id: &str) -> Result<String, ApiError> {
    let token = SessionId::generate().map_err(|e| ApiError::unavailable("session store", &e))?;
    let redis = api::redis(ctx, "session store").await?;
    let set = Command::new("SET")
        .arg(ctx.config.keys.device(&token.digest()))
        .arg(email_id)
        .arg("PX")
        .arg(LIFETIME.as_millis() as u64);
    redis
        .execute(&set)
        .await
        .map_err(|e| ApiError::unavailable("session store", &e))?;
    let secure = if ctx.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    Ok(format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        name(ctx),
        token.expose(),
        LIFETIME.as_secs()
    ))
}
