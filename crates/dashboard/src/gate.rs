//! The gate every request passes: loopback `Host` in open mode, a session
//! (or, under `/api/`, the bearer token) in token mode; and the
//! headers every answer carries.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;

use redis::AsyncCommands;

use super::auth::{self, Viewer};
use super::params::Failure;
use super::AppState;

/// Paths anyone may reach (in open mode, still only through a loopback
/// `Host`).
fn public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/")
}

/// Seconds since the Unix epoch (session cookies count in seconds).
pub fn now_secs() -> u64 {
    redspin_queue::now_ms() / 1000
}

/// An error answer: JSON under `/api/`, a short page elsewhere.
pub fn refuse(api: bool, status: StatusCode, message: &str) -> Response {
    if api {
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        let ctx = super::views::Ctx {
            viewer: None,
            signed_in: false,
            now: redspin_queue::now_ms(),
            section: super::views::Section::SignIn,
            notice: None,
            trace_url: None,
        };
        let title = status.canonical_reason().unwrap_or("Error");
        (status, super::views::error(&ctx, title, message)).into_response()
    }
}

/// Finds the viewer or refuses the request; adds the security headers.
pub async fn gate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let api = path.starts_with("/api/");
    let headers = req.headers();
    let auth = &state.auth;
    let viewer = if auth.is_open() {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !auth::loopback_host(host) {
            return secure(refuse(
                api,
                StatusCode::FORBIDDEN,
                "this dashboard has no token and answers loopback addresses only",
            ));
        }
        Some(auth.sessionless(&format!("loopback {}", peer.ip())))
    } else {
        let found = session(&state, headers, api);
        match not_revoked(&state, found).await {
            Ok(v) => v.map(|v| Viewer {
                who: format!("{} from {}", v.who, peer.ip()),
                ..v
            }),
            Err(refused) => return secure(refused.into_response(api)),
        }
    };
    match viewer {
        Some(v) => {
            req.extensions_mut().insert(v);
        }
        None if public(&path) => {}
        None if api => {
            return secure(refuse(
                true,
                StatusCode::UNAUTHORIZED,
                "sign in first: send the dashboard token as `Authorization: Bearer TOKEN`",
            ))
        }
        None if req.method() == Method::GET => {
            return secure(Redirect::to("/login").into_response())
        }
        None => {
            return secure(refuse(
                false,
                StatusCode::UNAUTHORIZED,
                "your session has ended; sign in again",
            ))
        }
    }
    secure(next.run(req).await)
}

/// The signed-in viewer: the session cookie, or under `/api/` the bearer
/// token.
fn session(state: &AppState, headers: &HeaderMap, api: bool) -> Option<Viewer> {
    let auth = &state.auth;
    if api {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            return auth.token_matches(token.trim()).then(|| Viewer {
                bearer: true,
                ..auth.sessionless("bearer token")
            });
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .filter_map(|h| auth::cookie(h, auth::COOKIE))
        .find_map(|c| auth.verify(c, now_secs()))
}

/// `viewer`, unless its session was signed out.
async fn not_revoked(state: &AppState, viewer: Option<Viewer>) -> Result<Option<Viewer>, Failure> {
    let Some(digest) = viewer.as_ref().and_then(|v| v.session.clone()) else {
        return Ok(viewer);
    };
    let key = state.admin.client().schema().dashboard_revoked(&digest);
    let revoked: bool = state
        .admin
        .client()
        .connection()
        .raw()
        .exists(key)
        .await
        .map_err(|e| Failure::from(redspin_queue::QueueError::from(e)))?;
    Ok((!revoked).then_some(viewer).flatten())
}

/// Revokes the session of `viewer` (signing out) for as long as its cookie
/// could live.
pub async fn revoke(state: &AppState, viewer: &Viewer) -> Result<(), Failure> {
    let Some(digest) = &viewer.session else {
        return Ok(());
    };
    let key = state.admin.client().schema().dashboard_revoked(digest);
    let _: () = state
        .admin
        .client()
        .connection()
        .raw()
        .pset_ex(key, 1, auth::SESSION.as_millis() as u64)
        .await
        .map_err(|e| Failure::from(redspin_queue::QueueError::from(e)))?;
    Ok(())
}

/// Headers on every answer: no caching of live data, no framing, no
/// content sniffing, and a policy that allows only this origin's assets.
fn secure(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    res
}
