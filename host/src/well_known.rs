//! Spin's well-known endpoints, answered by the host before any route:
//! `health` answers `OK`, `info` the app's name and version as JSON;
//! anything else under the prefix is 404.

use hyper::{Response, StatusCode};

use crate::runtime::{plain, Body};

/// The answer to `/.well-known/spin/<name>`.
pub fn answer(name: &str, app_name: &str, app_version: Option<&str>) -> Response<Body> {
    match name {
        "health" => plain(StatusCode::OK, "OK"),
        "info" => {
            let mut info = serde_json::Map::new();
            info.insert("name".into(), app_name.into());
            if let Some(v) = app_version {
                info.insert("version".into(), v.into());
            }
            let body = serde_json::to_string_pretty(&info).unwrap_or_default();
            let mut r = plain(StatusCode::OK, &body);
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            r
        }
        _ => plain(StatusCode::NOT_FOUND, ""),
    }
}
