//! `/tasks`: enqueue a job for the native worker (now or later) and read
//! its status. Logged-in users may enqueue `noop` jobs only, at most
//! `user_max_pending_tasks` unfinished at once, and see their own tasks
//! only; the admin any type the worker knows, and every task.

use http::Method;
use redspin_core::ops::Cancelled;
use redspin_core::NewJob;
use redspin_edge::{EdgeError, Tasks};

use crate::api::{self, json, set_header, ApiError, ApiResult};
use crate::context::{Ctx, Response};
use crate::principal::{self, Principal};
use crate::validate;

/// The queue the app uses.
pub const QUEUE: &str = "default";
/// Types a logged-in user may enqueue.
const USER_TYPES: &[&str] = &["noop"];

pub async fn handle(ctx: Ctx) -> Response {
    let ctx = &ctx;
    let segs = ctx.segments();
    let mut resp = api::respond(match (ctx.req.method(), segs.as_slice()) {
        (&Method::POST, ["tasks"]) => create(ctx).await,
        (_, ["tasks"]) => Err(api::method_not_allowed("POST")),
        (&Method::GET, ["tasks", id]) => status(ctx, id).await,
        (&Method::DELETE, ["tasks", id]) => cancel(ctx, id).await,
        (_, ["tasks", _]) => Err(api::method_not_allowed("GET, DELETE")),
        _ => Err(api::not_found()),
    });
    // Session and task data: never kept by a browser or a shared cache.
    set_header(&mut resp, "cache-control", "no-store");
    resp
}

async fn create(ctx: &Ctx) -> ApiResult {
    let config = &ctx.config;
    let who = principal::require(ctx).await?;
    let body: validate::NewTask =
        validate::json_body(ctx.req.body()).map_err(ApiError::bad_request)?;
    if let Principal::User { .. } = who {
        if !USER_TYPES.contains(&body.kind.as_str()) {
            return Err(ApiError::new(
                403,
                format!("task type {:?} needs the admin token", body.kind),
            ));
        }
    }
    let mut job = NewJob::new(body.kind, body.payload).delay_ms(body.delay_ms.unwrap_or(0));
    if let Some(n) = body.max_attempts {
        job = job.max_attempts(n);
    }
    job.timeout_ms = body.timeout_ms;
    job.unique_key = body.unique_key;
    // The request's trace goes on through the queue (kept only when well
    // formed).
    let job = job.traced(ctx.header("traceparent"), ctx.header("tracestate"));
    // The core's judgement, the one the worker applies: what is accepted
    // here runs there.
    job.check()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let tasks = tasks(ctx).await?;
    let enqueued = match who {
        Principal::Admin => tasks.enqueue(job).await.map(Some),
        Principal::User { id } => {
            let max = config.limits.user_max_pending_tasks;
            tasks.enqueue_owned(job, &owner(id), max).await
        }
    };
    match enqueued {
        Ok(Some(done)) if done.duplicate => {
            let mut resp = json(200, &done);
            set_header(&mut resp, "location", format!("/tasks/{}", done.id));
            Ok(resp)
        }
        Ok(Some(done)) => {
            let mut resp = json(
                202,
                &serde_json::json!({ "id": done.id, "status": done.state }),
            );
            set_header(&mut resp, "location", format!("/tasks/{}", done.id));
            Ok(resp)
        }
        Ok(None) => Err(ApiError::new(
            429,
            format!(
                "too many unfinished tasks (at most {})",
                config.limits.user_max_pending_tasks
            ),
        )),
        Err(EdgeError::Core(e)) => Err(ApiError::bad_request(e.to_string())),
        Err(e) => Err(ApiError::unavailable("queue", &e)),
    }
}

/// The app's queue over the request's connection, or 503.
async fn tasks(ctx: &Ctx) -> Result<Tasks<&redspin_edge::SpinRedis>, ApiError> {
    let redis = api::redis(ctx, "queue").await?;
    Tasks::new(redis, &ctx.config.keys, QUEUE).map_err(|e| ApiError::new(500, e.to_string()))
}

/// How a user's tasks are owned in Redis.
fn owner(user: i64) -> String {
    format!("user:{user}")
}

/// The queue, once the asker may see task `id`: the admin any, a user
/// their own only (anyone else's is as good as absent: 404).
async fn visible<'a>(
    ctx: &'a Ctx,
    id: &str,
) -> Result<Tasks<&'a redspin_edge::SpinRedis>, ApiError> {
    let who = principal::require(ctx).await?;
    let valid = id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if !valid {
        return Err(ApiError::bad_request("task id must be a UUID"));
    }
    let tasks = tasks(ctx).await?;
    if let Principal::User { id: user } = who {
        let owned = tasks
            .owner(id)
            .await
            .map_err(|e| ApiError::unavailable("queue", &e))?;
        if owned != Some(owner(user)) {
            return Err(not_found(id));
        }
    }
    Ok(tasks)
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("task {id} not found"))
}

/// `DELETE /tasks/:id`: 204 once cancelled; 409 when already finished.
async fn cancel(ctx: &Ctx, id: &str) -> ApiResult {
    let tasks = visible(ctx, id).await?;
    match tasks.cancel(id).await {
        Ok(Cancelled::Was(_)) => {
            let mut resp = http::Response::new(Vec::new());
            *resp.status_mut() = http::StatusCode::NO_CONTENT;
            Ok(resp)
        }
        Ok(Cancelled::Finished(state)) => Err(ApiError::new(
            409,
            format!("task {id} is already {}", state.as_str()),
        )),
        Ok(Cancelled::Unknown) => Err(not_found(id)),
        Err(e) => Err(ApiError::unavailable("queue", &e)),
    }
}

async fn status(ctx: &Ctx, id: &str) -> ApiResult {
    let tasks = visible(ctx, id).await?;
    let not_found = || not_found(id);
    match tasks.status(id).await {
        Ok(Some(s)) => Ok(json(200, &s)),
        Ok(None) => Err(not_found()),
        Err(e) => Err(ApiError::unavailable("queue", &e)),
    }
}
