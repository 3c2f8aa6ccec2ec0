//! `/users`: registration, cache-aside reads, updates that invalidate.

use redspin_edge::{Cache, CachePolicy, CacheStatus, Cached, Decision, Throttle};
use spin_sdk::http::{Method, Request, Response};

use crate::api::{self, json, ApiError, ApiResult};
use crate::config::Config;
use crate::db::{self, User};
use crate::principal::{self, Principal};
use crate::{ids, password, validate};

pub fn handle(req: Request, config: &Config) -> Response {
    let segs = api::segments(&req);
    api::respond(match (req.method(), segs.as_slice()) {
        (Method::Post, ["users"]) => register(&req, config),
        (_, ["users"]) => Err(api::method_not_allowed("POST")),
        (Method::Get, ["users", id]) => get(&req, id, config),
        (Method::Put, ["users", id]) => update(&req, id, config),
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
fn sees_full_record(req: &Request, config: &Config, redis: &principal::Redis, id: i64) -> bool {
    if principal::is_admin(req, config) {
        return true;
    }
    principal::cookie(req, config).is_some()
        && principal::user(req, config, redis).is_ok_and(|(s, _)| s.user_id == id)
}

fn get(req: &Request, id: &str, config: &Config) -> ApiResult {
    let id = validate::user_id(id).map_err(ApiError::bad_request)?;
    let conn = db::open()?;
    let load = || db::user(&conn, id);
    let redis = principal::connect(config);
    // The cache keeps the one full record; the view is cut per asker.
    let Cached { value, status } = match &redis {
        Ok(redis) => {
            let cache = Cache::new(redis, config.keys.clone());
            let policy = CachePolicy::new(config.user_ttl).tag("users");
            cache.get_or_compute_opt(&cache_key(id), &policy, config.negative_ttl, load)?
        }
        Err(_) => Cached {
            value: load()?,
            status: CacheStatus::Bypass,
        },
    };
    let mut resp = match value {
        Some(user) if sees_full_record(req, config, &redis, id) => {
            let mut r = json(200, &user);
            r.set_header("cache-control", "no-store");
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
    resp.set_header("vary", "cookie, authorization");
    resp.set_header("x-cache", status.as_str());
    Ok(resp)
}

fn register(req: &Request, config: &Config) -> ApiResult {
    let body: validate::Register =
        validate::json_body(req.body()).map_err(ApiError::bad_request)?;
    let name = validate::name(&body.name).map_err(ApiError::bad_request)?;
    let email = validate::email(&body.email).map_err(ApiError::bad_request)?;
    let pw = validate::password(&body.password).map_err(ApiError::bad_request)?;
    let avatar = validate::optional(body.avatar.as_deref(), validate::avatar)
        .map_err(ApiError::bad_request)?;
    limit_registrations(req, config)?;
    let hash = password::hash(pw).map_err(|e| ApiError::new(500, e))?;
    let conn = db::open()?;
    let user = db::insert_user(
        &conn,
        &name,
        &email,
        &hash,
        avatar.as_deref(),
        redspin_edge::now_ms() as i64,
    )?;
    // A cached "no such user" for this id must not outlive its creation.
    invalidate(config, user.id);
    let mut resp = json(201, &user);
    resp.set_header("location", format!("/users/{}", user.id));
    resp.set_header("cache-control", "no-store");
    Ok(resp)
}

fn update(req: &Request, id: &str, config: &Config) -> ApiResult {
    let id = validate::user_id(id).map_err(ApiError::bad_request)?;
    let redis = principal::connect(config);
    match principal::require(req, config, &redis)? {
        Principal::Admin => {}
        Principal::User { id: me } if me == id => {}
        Principal::User { .. } => {
            return Err(ApiError::new(403, "you may only change your own profile"))
        }
    }
    let body: validate::UpdateUser =
        validate::json_body(req.body()).map_err(ApiError::bad_request)?;
    let name =
        validate::optional(body.name.as_deref(), validate::name).map_err(ApiError::bad_request)?;
    let email = validate::optional(body.email.as_deref(), validate::email)
        .map_err(ApiError::bad_request)?;
    let avatar = validate::optional(body.avatar.as_deref(), validate::avatar)
        .map_err(ApiError::bad_request)?;
    let redis = redis.map_err(|e| ApiError::unavailable("cache", &e))?;
    let cache = Cache::new(&redis, config.keys.clone());
    // Refuse the write while the cache cannot be invalidated: a stale
    // profile would otherwise be served for the whole TTL.
    cache
        .invalidate(&[&cache_key(id)])
        .map_err(|e| ApiError::unavailable("cache", &e))?;
    let conn = db::open()?;
    let user: Option<User> = db::update_user(
        &conn,
        id,
        name.as_deref(),
        email.as_deref(),
        avatar.as_deref(),
        redspin_edge::now_ms() as i64,
    )?;
    // Again after the write, for a read that raced it.
    if let Err(e) = cache.invalidate(&[&cache_key(id)]) {
        eprintln!("user update: cache invalidation failed: {e}");
    }
    match user {
        Some(u) => {
            let mut r = json(200, &u);
            r.set_header("cache-control", "no-store");
            Ok(r)
        }
        None => Err(ApiError::new(404, format!("user {id} not found"))),
    }
}

/// At most `register_max_per_address` registrations per address and
/// window: 429 with `Retry-After` beyond, 503 while Redis is away (an
/// outage never lifts the limit).
fn limit_registrations(req: &Request, config: &Config) -> Result<(), ApiError> {
    let redis =
        principal::connect(config).map_err(|e| ApiError::unavailable("registration", &e))?;
    let throttle = Throttle::new(&redis, config.keys.clone());
    let addr = ids::client_ip(api::header(req, "spin-client-addr"));
    let l = &config.limits;
    let counter = throttle.counter("register-addr", &addr, l.register_max_per_address);
    match throttle.attempt(&[counter], l.register_window) {
        Ok(Decision::Allowed) => Ok(()),
        Ok(Decision::Refused { retry_after }) => Err(api::too_many(retry_after)),
        Err(e) => Err(ApiError::unavailable("registration", &e)),
    }
}

fn invalidate(config: &Config, id: i64) {
    if let Ok(redis) = principal::connect(config) {
        if let Err(e) = Cache::new(&redis, config.keys.clone()).invalidate(&[&cache_key(id)]) {
            eprintln!("user cache invalidation failed: {e}");
        }
    }
}
