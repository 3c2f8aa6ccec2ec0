//! The HTML pages and the actions behind their forms.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::Markup;

use super::auth::{Auth, Viewer};
use super::gate::now_secs;
use super::params::{self, Failure, Params};
use super::views::{self, Ctx, Section};
use super::AppState;
use redspin_queue::admin::{Action, Outcome, Set};
use redspin_queue::now_ms;

fn ctx<'a>(
    state: &'a AppState,
    viewer: &'a Viewer,
    section: Section,
    p: Option<&Params>,
) -> Ctx<'a> {
    Ctx {
        viewer: Some(viewer),
        signed_in: !state.auth.is_open(),
        now: now_ms(),
        section,
        notice: p.and_then(params::notice),
        trace_url: state.trace_url.as_deref(),
    }
}

/// A page, or the failure as a page.
fn answer(result: Result<Markup, Failure>) -> Response {
    match result {
        Ok(page) => page.into_response(),
        Err(f) => f.into_response(false),
    }
}

pub async fn overview(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Query(p): Query<Params>,
) -> Response {
    answer(
        async {
            let ov = s.admin.overview().await?;
            Ok(views::overview(
                &ctx(&s, &v, Section::Overview, Some(&p)),
                &ov,
            ))
        }
        .await,
    )
}

pub async fn workers(State(s): State<AppState>, Extension(v): Extension<Viewer>) -> Response {
    answer(
        async {
            let rows = s.admin.workers().await?;
            Ok(views::workers(&ctx(&s, &v, Section::Workers, None), &rows))
        }
        .await,
    )
}

pub async fn schedules(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Query(p): Query<Params>,
) -> Response {
    answer(
        async {
            let all = s.admin.client().schedule_list().await?;
            Ok(views::schedules(
                &ctx(&s, &v, Section::Schedules, Some(&p)),
                &all,
            ))
        }
        .await,
    )
}

pub async fn scheduled(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Query(p): Query<Params>,
) -> Response {
    list(s, v, p, Set::Scheduled).await
}

pub async fn dead(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Query(p): Query<Params>,
) -> Response {
    list(s, v, p, Set::Dead).await
}

async fn list(s: AppState, v: Viewer, p: Params, set: Set) -> Response {
    answer(
        async {
            let sizes = s.admin.set_sizes(set).await?;
            let known: Vec<String> = sizes.iter().map(|(q, _)| q.clone()).collect();
            let queue = params::queue(&p, &known)?;
            let page = s
                .admin
                .page(&queue, set, params::offset(&p)?, views::PER_PAGE)
                .await?;
            Ok(match set {
                Set::Scheduled => {
                    views::scheduled(&ctx(&s, &v, Section::Scheduled, Some(&p)), &sizes, &page)
                }
                Set::Dead => views::dead(&ctx(&s, &v, Section::Dead, Some(&p)), &sizes, &page),
            })
        }
        .await,
    )
}

pub async fn confirm(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Query(p): Query<Params>,
) -> Response {
    answer(
        async {
            let queue = params::queue(&p, &[])?;
            let action = match p.get("action").map(String::as_str) {
                Some(a @ ("retry-all" | "purge-all")) => a,
                _ => return Err(Failure::bad("action must be retry-all or purge-all")),
            };
            let total = s.admin.page(&queue, Set::Dead, 0, 1).await?.total;
            Ok(views::confirm(
                &ctx(&s, &v, Section::Dead, None),
                &queue,
                action,
                total,
            ))
        }
        .await,
    )
}

pub async fn job(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Query(p): Query<Params>,
) -> Response {
    let c = ctx(&s, &v, Section::Job, Some(&p));
    let result = async {
        let id = params::job_id(p.get("id"))?;
        Ok(match s.admin.job(&id).await? {
            Some(view) => views::job(&c, &view).into_response(),
            None => (StatusCode::NOT_FOUND, views::not_found(&c, &id)).into_response(),
        })
    }
    .await;
    result.unwrap_or_else(|f: Failure| f.into_response(false))
}

/// The 403 for a form whose CSRF field is not the viewer's.
pub fn csrf_refused(v: &Viewer, form: &Params, api: bool) -> Option<Response> {
    if v.bearer || form.get("csrf").is_some_and(|c| Auth::csrf_matches(v, c)) {
        return None;
    }
    Some(
        Failure {
            status: StatusCode::FORBIDDEN,
            message: "the form's CSRF token is missing or stale; reload the page and try again"
                .into(),
        }
        .into_response(api),
    )
}

/// A form's action: CSRF checked, done, logged, then back to where it
/// was asked from.
pub async fn act(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    uri: Uri,
    Form(form): Form<Params>,
) -> Response {
    if let Some(refused) = csrf_refused(&v, &form, false) {
        return refused;
    }
    let result = async {
        let (action, queue, outcome) = perform(&s, &v, uri.path(), &form).await?;
        let notice = [
            ("notice", action.name().to_owned()),
            ("n", outcome.affected.to_string()),
        ];
        let to = match &action {
            Action::RunNow { .. } => {
                views::href("/scheduled", &[&[("queue", queue)][..], &notice].concat())
            }
            Action::Pause | Action::Resume | Action::Limit(_) | Action::ClearLimits => {
                views::href("/", &notice)
            }
            Action::Cancel { id } => {
                views::href("/job", &[&[("id", id.clone())][..], &notice].concat())
            }
            Action::RemoveSchedule { .. } => views::href("/schedules", &notice),
            _ => views::href("/dead", &[&[("queue", queue)][..], &notice].concat()),
        };
        Ok(Redirect::to(&to).into_response())
    }
    .await;
    result.unwrap_or_else(|f: Failure| f.into_response(false))
}

/// The action at `path` on the form's queue, done and logged with who did
/// it; for the pages and `/api` alike.
pub async fn perform(
    s: &AppState,
    v: &Viewer,
    path: &str,
    form: &Params,
) -> Result<(Action, String, Outcome), Failure> {
    let action = params::action(path, form)?;
    let queue = params::queue(form, &[])?;
    let outcome = s.admin.act(&queue, &action).await?;
    tracing::info!(
        action = action.name(), queue = %queue, job = action.job_id().unwrap_or("-"),
        affected = outcome.affected, by = %v.who, "dashboard action"
    );
    Ok((action, queue, outcome))
}

pub async fn login_form(State(s): State<AppState>) -> Response {
    if s.auth.is_open() {
        return Redirect::to("/").into_response();
    }
    views::sign_in(&sign_in_ctx(), None).into_response()
}

fn sign_in_ctx() -> Ctx<'static> {
    Ctx {
        viewer: None,
        signed_in: false,
        now: now_ms(),
        section: Section::SignIn,
        notice: None,
        trace_url: None,
    }
}

/// Signs in with the right token, always; a wrong one counts against the
/// client's address, which past its budget waits (429) before trying more.
pub async fn login(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<Params>,
) -> Response {
    if s.auth.is_open() {
        return Redirect::to("/").into_response();
    }
    let given = form.get("token").map(String::as_str).unwrap_or("");
    let right = s.auth.token_matches(given);
    if let (false, Some(wait)) = (right, s.auth.failures.wait_secs(peer.ip())) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            views::sign_in(
                &sign_in_ctx(),
                Some("Too many wrong tokens from your address; wait a minute."),
            ),
        )
            .into_response();
    }
    if !right {
        s.auth.failures.note(peer.ip());
        tracing::warn!(from = %peer.ip(), "dashboard sign-in refused: wrong token");
        return (
            StatusCode::UNAUTHORIZED,
            views::sign_in(&sign_in_ctx(), Some("That is not the dashboard token.")),
        )
            .into_response();
    }
    let cookie = s.auth.issue(now_secs());
    let who = s
        .auth
        .verify(&cookie, now_secs())
        .map(|v| v.who)
        .unwrap_or_default();
    tracing::info!(by = %who, "dashboard sign-in");
    (
        [(header::SET_COOKIE, s.auth.set_cookie(&cookie))],
        Redirect::to("/"),
    )
        .into_response()
}

pub async fn logout(
    State(s): State<AppState>,
    Extension(v): Extension<Viewer>,
    Form(form): Form<Params>,
) -> Response {
    if let Some(refused) = csrf_refused(&v, &form, false) {
        return refused;
    }
    // Revoked on the server first: a copy of the cookie dies too.
    if let Err(f) = crate::gate::revoke(&s, &v).await {
        return f.into_response(false);
    }
    tracing::info!(by = %v.who, "dashboard sign-out");
    (
        [(header::SET_COOKIE, s.auth.clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        views::STYLE,
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        views::SCRIPT,
    )
        .into_response()
}
