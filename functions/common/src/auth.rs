//! `/auth`: login, the current user, logout, logout everywhere.

use http::Method;
use redspin_edge::{now_ms, Counter, Decision, SessionId, Throttle};

use crate::api::{self, add_header, json, set_header, ApiError, ApiResult};
use crate::context::{Ctx, Response};
use crate::platform::SpinRedis;
use crate::principal::{self, session_store};
use crate::{db, device, ids, password, validate};

pub async fn handle(ctx: Ctx) -> Response {
    let ctx = &ctx;
    let segs = ctx.segments();
    let mut resp = api::respond(match (ctx.req.method(), segs.as_slice()) {
        (&Method::POST, ["auth", "login"]) => login(ctx).await,
        (&Method::GET, ["auth", "me"]) => me(ctx).await,
        (&Method::POST, ["auth", "logout"]) => logout(ctx).await,
        (&Method::POST, ["auth", "logout-all"]) => logout_all(ctx).await,
        (_, ["auth", "me"]) => Err(api::method_not_allowed("GET")),
        (_, ["auth", "login" | "logout" | "logout-all"]) => Err(api::method_not_allowed("POST")),
        _ => Err(api::not_found()),
    });
    // Session and task data: never kept by a browser or a shared cache.
    set_header(&mut resp, "cache-control", "no-store");
    resp
}

async fn login(ctx: &Ctx) -> ApiResult {
    let body: validate::Login =
        validate::json_body(ctx.req.body()).map_err(ApiError::bad_request)?;
    let store = session_store(ctx).await?;
    let email_id = ids::email_id(&body.email);
    let device = device::trusted(ctx, &email_id).await?;
    // Throttled before the password is checked, so a locked-out pair
    // learns nothing, not even from the right password.
    let attempt = LoginAttempt::take(ctx, &body.email, device.as_deref()).await?;
    let conn = db::open().await?;
    let found = match validate::email(&body.email) {
        Ok(email) => db::user_by_email(&conn, &email).await?,
        Err(_) => None,
    };
    // Unknown email and wrong password: same work, same answer.
    let (hash, user) = match &found {
        Some((u, h)) => (h.as_str(), Some(u)),
        None => (password::DUMMY_HASH, None),
    };
    let ok = password::verify(&body.password, hash);
    let Some(user) = user.filter(|_| ok) else {
        // The attempt stays counted: it was a failure.
        return Err(ApiError::new(401, "invalid email or password"));
    };
    attempt.succeeded().await;
    // No fixation: a session presented at login ends here.
    if let Some(old) = ctx.session_id().and_then(SessionId::parse) {
        store
            .destroy(&old)
            .await
            .map_err(|e| ApiError::unavailable("session store", &e))?;
    }
    let (id, session) = store
        .create(user.id)
        .await
        .map_err(|e| ApiError::unavailable("session store", &e))?;
    let max_age = session.cookie_max_age(ctx.config.sessions.idle, now_ms());
    let mut resp = json(200, user);
    set_header(
        &mut resp,
        "set-cookie",
        ctx.session_cookie().set(&id, max_age),
    );
    // A browser that signed in is trusted for this email from now on (a
    // new token each time: the one it had, if any, expires on its own).
    add_header(
        &mut resp,
        "set-cookie",
        device::issue(ctx, &email_id).await?,
    );
    Ok(resp)
}

async fn me(ctx: &Ctx) -> ApiResult {
    let (session, id) = principal::user(ctx).await?;
    let conn = db::open().await?;
    match db::user(&conn, session.user_id).await? {
        Some(u) => {
            // The session slid in Redis; the cookie slides with it.
            let max_age = session.cookie_max_age(ctx.config.sessions.idle, now_ms());
            let mut resp = json(200, &u);
            set_header(
                &mut resp,
                "set-cookie",
                ctx.session_cookie().set(&id, max_age),
            );
            Ok(resp)
        }
        None => Err(ApiError::new(401, "session expired")),
    }
}

async fn logout(ctx: &Ctx) -> ApiResult {
    if let Some(id) = ctx.session_id().and_then(SessionId::parse) {
        session_store(ctx)
            .await?
            .destroy(&id)
            .await
            .map_err(|e| ApiError::unavailable("session store", &e))?;
    }
    Ok(logged_out(ctx))
}

async fn logout_all(ctx: &Ctx) -> ApiResult {
    let (session, _) = principal::user(ctx).await?;
    session_store(ctx)
        .await?
        .destroy_all(session.user_id)
        .await
        .map_err(|e| ApiError::unavailable("session store", &e))?;
    Ok(logged_out(ctx))
}

/// 204 with a cookie that makes the browser forget the session.
fn logged_out(ctx: &Ctx) -> Response {
    let mut resp = http::Response::new(Vec::new());
    *resp.status_mut() = http::StatusCode::NO_CONTENT;
    set_header(&mut resp, "set-cookie", ctx.session_cookie().clear());
    resp
}

/// One login attempt, counted before the password is checked: from an
/// untrusted client against the (email, address) pair, the email and the
/// address; from a browser with a device cookie for the email against that
/// device alone, so failures from elsewhere never lock it out (see
/// [`crate::device`]). (Also what a password confirmation costs, see
/// `users::update`: it is a guess like any other.)
pub(crate) struct LoginAttempt<'a> {
    throttle: Throttle<&'a SpinRedis>,
    pair: Counter,
    others: Vec<Counter>,
}

impl<'a> LoginAttempt<'a> {
    /// Takes the attempt, or answers 429 with `Retry-After` (503 when Redis
    /// is away: an outage never lifts the limits).
    pub(crate) async fn take(
        ctx: &'a Ctx,
        email: &str,
        device: Option<&str>,
    ) -> Result<Self, ApiError> {
        let redis = api::redis(ctx, "session store").await?;
        let throttle = Throttle::new(redis, ctx.config.keys.clone());
        let l = &ctx.config.limits;
        let email = ids::email_id(email);
        let addr = ids::client_ip(ctx.header("spin-client-addr"));
        let (pair, others) = match device {
            Some(d) => (
                throttle.counter("login-device", d, l.login_max_failures),
                Vec::new(),
            ),
            None => (
                throttle.counter(
                    "login-pair",
                    &format!("{email}|{addr}"),
                    l.login_max_failures,
                ),
                vec![
                    throttle.counter("login-email", &email, l.login_email_max_failures),
                    throttle.counter("login-addr", &addr, l.login_address_max_failures),
                ],
            ),
        };
        let all: Vec<Counter> = std::iter::once(pair.clone())
            .chain(others.iter().cloned())
            .collect();
        match throttle.attempt(&all, l.login_window).await {
            Ok(Decision::Allowed) => Ok(Self {
                throttle,
                pair,
                others,
            }),
            Ok(Decision::Refused { retry_after }) => Err(api::too_many(retry_after)),
            Err(e) => Err(ApiError::unavailable("session store", &e)),
        }
    }

    /// A success clears the pair and gives the attempt back to the email
    /// and the address (a failure to do so is logged: the counters expire).
    pub(crate) async fn succeeded(self) {
        if let Err(e) = self.throttle.release(&[self.pair], &self.others).await {
            eprintln!("login throttle: releasing a successful attempt failed: {e}");
        }
    }
}
