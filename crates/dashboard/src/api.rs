//! The pages as JSON, for scripts: `GET /api/overview`, `/api/workers`,
//! `/api/scheduled?queue=Q&page=N`, `/api/dead?queue=Q&page=N`,
//! `/api/schedules`, `/api/jobs/{id}`; and every action as a POST under
//! `/api/` with the same form fields (CSRF token included), answering
//! `{"action": ..., "affected": n}`. Payloads are elided as on the pages.
//! Errors are `{"error": "..."}` with a 4xx or 503 status.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::format::elide;
use super::params::{self, Failure, Params};
use super::views::{self, PER_PAGE};
use super::AppState;
use redspin_queue::admin::{Page, Set};

fn answer(result: Result<Value, Failure>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(f) => f.into_response(true),
    }
}

pub async fn overview(State(s): State<AppState>) -> Response {
    answer(async {
        let ov = s.admin.overview().await?;
        let problems = views::overview_problems(&ov);
        Ok(json!({ "now": ov.now, "queues": ov.queues, "throughput": ov.throughput, "problems": problems }))
    }.await)
}

pub async fn schedules(State(s): State<AppState>) -> Response {
    answer(async { Ok(json!({ "schedules": s.admin.client().schedule_list().await? })) }.await)
}

/// An action, as the pages do it ([`crate::pages::perform`]).
pub async fn act(
    State(s): State<AppState>,
    axum::Extension(v): axum::Extension<crate::auth::Viewer>,
    uri: axum::http::Uri,
    axum::Form(form): axum::Form<Params>,
) -> Response {
    if let Some(refused) = crate::pages::csrf_refused(&v, &form, true) {
        return refused;
    }
    answer(
        crate::pages::perform(&s, &v, uri.path(), &form)
            .await
            .map(|(a, _, o)| json!({ "action": a.name(), "affected": o.affected })),
    )
}

pub async fn workers(State(s): State<AppState>) -> Response {
    answer(async { Ok(json!({ "workers": s.admin.workers().await? })) }.await)
}

pub async fn scheduled(State(s): State<AppState>, Query(p): Query<Params>) -> Response {
    list(s, p, Set::Scheduled).await
}

pub async fn dead(State(s): State<AppState>, Query(p): Query<Params>) -> Response {
    list(s, p, Set::Dead).await
}

async fn list(s: AppState, p: Params, set: Set) -> Response {
    answer(
        async {
            let known = s.admin.queues().await?;
            let queue = params::queue(&p, &known)?;
            let page = s
                .admin
                .page(&queue, set, params::offset(&p)?, PER_PAGE)
                .await?;
            Ok(page_json(&page))
        }
        .await,
    )
}

fn page_json(page: &Page) -> Value {
    let entries: Vec<Value> = page
        .entries
        .iter()
        .map(|e| match &e.job {
            Some(j) => {
                let mut job = serde_json::to_value(j).unwrap_or(Value::Null);
                job["payload"] = elide(&j.payload);
                json!({ "at": e.at, "job": job })
            }
            None => json!({ "at": e.at, "job": null, "unreadable_bytes": e.raw.len() }),
        })
        .collect();
    json!({
        "queue": page.queue, "total": page.total, "page": page.offset / PER_PAGE + 1,
        "per_page": PER_PAGE, "entries": entries,
    })
}

pub async fn job(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let id = params::job_id(Some(&id))?;
        match s.admin.job(&id).await? {
            Some(v) => {
                let payload = v.envelope.as_ref().map(|j| elide(&j.payload));
                Ok(json!({ "status": v.status, "at": v.at, "payload": payload }))
            }
            None => Err(Failure {
                status: StatusCode::NOT_FOUND,
                message: format!("no queue knows job {id:?}"),
            }),
        }
    }
    .await;
    answer(result)
}
