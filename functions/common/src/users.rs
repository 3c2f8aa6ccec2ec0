//! `/users`: registration, cache-aside reads, updates that invalidate.

use std::future::Future;

use http::Method;
use redspin_edge::{Cache, CachePolicy, CacheStatus, Cached, Decision, Throttle};

use crate::api::{self, json, set_header, ApiError, ApiResult};
use crate::config::Config;
use crate::context::{Ctx, RedisConn, Response};
use crate::db::{self, User};
use crate::principal::{self, Principal};
use crate::{ids, password, validate};

pub async fn handle(ctx: Ctx) -> Response {
    let ctx = &ctx;
    let segs = ctx.segments();
    api::respond(match (ctx.req.method(), segs.as_slice()) {
        (&Method::POST, ["users"]) => register(ctx).await,
        (_, ["users"]) => Err(api::method_not_allowed("POST")),
        (&Method::GET, ["users", id]) => get(ctx, id).await,
        (&Method::PUT, ["users", id]) => update(ctx, id).await,
        (_, ["users", _]) => Err(api::method_not_allowed("GET, PUT")),
        _ => Err(api::not_found()),
    })
}

fn cache_key(id: i64) -> String {
    format!("user:{id}")
}

/// What others may see of a user: no email.
#[derive(serde::Serialize)]
struct PublicUser<'a> {
    id: i64,
    name: &'a str,
    avatar: Option<&'a str>,
    created_at: i64,
}

/// May the asker see user `id`'s full record? The admin and the user
/// themself; anyone else (no session, an expired one, Redis away) sees the
/// public view.
async fn sees_full_record(ctx: &Ctx, id: i64) -> bool {
    if principal::is_admin(ctx) {
        return true;
    }
    ctx.session_id().is_some()
        && principal::user(ctx)
            .await
            .is_ok_and(|(s, _)| s.user_id == id)
}

/// User `id` from the cache, else from `load` (and cached, absence too).
async fn read<F>(
    redis: &RedisConn,
    config: &Config,
    id: i64,
    load: impl FnOnce() -> F,
) -> Result<Cached<Option<User>>, ApiError>
where
    F: Future<Output = Result<Option<User>, ApiError>>,
{
    let Ok(redis) = redis else {
        let value = load().await?;
        return Ok(Cached {
            value,
            status: CacheStatus::Bypass,
        });
    };
    let cache = Cache::new(redis, config.keys.clone());
    let policy = CachePolicy::new(config.user_ttl).tag("users");
    cache
        .get_or_compute_opt(&cache_key(id), &policy, config.negative_ttl, load)
        .await
}

async fn get(ctx: &Ctx, id: &str) -> ApiResult {
    let id = validate::user_id(id).map_err(ApiError::bad_request)?;
    // Opened before the two reads below share it.
    let redis = ctx.cache_redis().await;
    // The database is opened only on a miss: a hit costs no SQLite call.
    let load = || async move {
        let conn = db::open().await?;
        db::user(&conn, id).await
    };
    // The cache read and the asker's session check at once (concurrent on
    // spin-sdk 6). The cache keeps the one full record; the view is cut
    // per asker.
    let (found, full) = futures::join!(
        read(redis, &ctx.config, id, load),
        sees_full_record(ctx, id)
    );
    let Cached { value, status } = found?;
    let mut resp = match value {
        Some(user) if full => {
            let mut r = json(200, &user);
            set_header(&mut r, "cache-control", "no-store");
            r
        }
        Some(user) => {
            let view = PublicUser {
                id: user.id,
                name: &user.name,
                avatar: user.avatar.as_deref(),
                created_at: user.created_at,
            };
            json(200, &view)
        }
        None => ApiError::new(404, format!("user {id} not found")).into_response(),
    };
    set_header(&mut resp, "vary", "cookie, authorization");
    set_header(&mut resp, "x-cache", status.as_str());
    Ok(resp)
}

async fn register(ctx: &Ctx) -> ApiResult {
    let body: validate::Register =
        validate::json_body(ctx.req.body()).map_err(ApiError::bad_request)?;
    let name = validate::name(&body.name).map_err(ApiError::bad_request)?;
    let email = validate::email(&body.email).map_err(ApiError::bad_request)?;
    let pw = validate::password(&body.password).map_err(ApiError::bad_request)?;
    let avatar = validate::optional(body.avatar.as_deref(), validate::avatar)
        .map_err(ApiError::bad_request)?;
    limit_registrations(ctx).await?;
    let hash = password::hash(pw).map_err(|e| ApiError::new(500, e))?;
    let conn = db::open().await?;
    let now = redspin_edge::now_ms() as i64;
    let user = db::insert_user(&conn, &name, &email, &hash, avatar.as_deref(), now).await?;
    // A cached "no such user" for this id must not outlive its creation.
    if let Ok(redis) = ctx.cache_redis().await {
        let cache = Cache::new(redis, ctx.config.keys.clone());
        if let Err(e) = cache.invalidate(&[&cache_key(user.id)]).await {
            eprintln!("user cache invalidation failed: {e}");
        }
    }
    let mut resp = json(201, &user);
    set_header(&mut resp, "location", format!("/users/{}", user.id));
    set_header(&mut resp, "cache-control", "no-store");
    Ok(resp)
}

async fn update(ctx: &Ctx, id: &str) -> ApiResult {
    let id = validate::user_id(id).map_err(ApiError::bad_request)?;
    let by_admin = match principal::require(ctx).await? {
        Principal::Admin => true,
        Principal::User { id: me } if me == id => false,
        Principal::User { .. } => {
            return Err(ApiError::new(403, "you may only change your own profile"))
        }
    };
    let body: validate::UpdateUser =
        validate::json_body(ctx.req.body()).map_err(ApiError::bad_request)?;
    if body.email.is_some() && !by_admin {
        confirm_password(ctx, id, body.current_password.as_deref()).await?;
    }
    let name =
        validate::optional(body.name.as_deref(), validate::name).map_err(ApiError::bad_request)?;
    let email = validate::optional(body.email.as_deref(), validate::email)
        .map_err(ApiError::bad_request)?;
    let avatar = validate::optional(body.avatar.as_deref(), validate::avatar)
        .map_err(ApiError::bad_request)?;
    let redis = api::cache_redis(ctx).await?;
    let cache = Cache::new(redis, ctx.config.keys.clone());
    // Refuse the write while the cache cannot be invalidated: a stale
    // profile would otherwise be served for the whole TTL.
    cache
        .invalidate(&[&cache_key(id)])
        .await
        .map_err(|e| ApiError::unavailable("cache", &e))?;
    let conn = db::open().await?;
    let (name, email, avatar) = (name.as_deref(), email.as_deref(), avatar.as_deref());
    let now = redspin_edge::now_ms() as i64;
    let user: Option<User> = db::update_user(&conn, id, name, email, avatar, now).await?;
    // Again after the write, for a read that raced it.
    if let Err(e) = cache.invalidate(&[&cache_key(id)]).await {
        eprintln!("user update: cache invalidation failed: {e}");
    }
    match user {
        Some(u) => {
            let mut r = json(200, &u);
            set_header(&mut r, "cache-control", "no-store");
            Ok(r)
        }
        None => Err(ApiError::new(404, format!("user {id} not found"))),
    }
}

/// A session changing its user's email proves it is the user: a stolen
/// session cookie must not be enough to take the account over (the reset
/// mail would go to the thief). The check counts as a login attempt.
async fn confirm_password(ctx: &Ctx, id: i64, given: Option<&str>) -> Result<(), ApiError> {
    let Some(given) = given else {
        return Err(ApiError::new(
            403,
            "changing the email needs current_password",
        ));
    };
    let conn = db::open().await?;
    let Some(user) = db::user(&conn, id).await? else {
        return Err(ApiError::new(404, format!("user {id} not found")));
    };
    let attempt = crate::auth::LoginAttempt::take(ctx, &user.email, None).await?;
    let Some((_, hash)) = db::user_by_email(&conn, &user.email).await? else {
        return Err(ApiError::new(404, format!("user {id} not found")));
    };
    if !password::verify(given, &hash) {
        // The attempt stays counted: it was a failure.
        return Err(ApiError::new(403, "current_password is not the password"));
    }
    attempt.succeeded().await;
    Ok(())
}

/// At most `register_max_per_address` registrations per address and
/// window: 429 with `Retry-After` beyond, 503 while Redis is away (an
/// outage never lifts the limit).
async fn limit_registrations(ctx: &Ctx) -> Result<(), ApiError> {
    let redis = api::redis(ctx, "registration").await?;
    let throttle = Throttle::new(redis, ctx.config.keys.clone());
    let addr = ids::client_ip(ctx.header("spin-client-addr"));
    let l = &ctx.config.limits;
    let counter = throttle.counter("register-addr", &addr, l.register_max_per_address);
    match throttle.attempt(&[counter], l.register_window).await {
        Ok(Decision::Allowed) => Ok(()),
        Ok(Decision::Refused { retry_after }) => Err(api::too_many(retry_after)),
        Err(e) => Err(ApiError::unavailable("registration", &e)),
    }
}
