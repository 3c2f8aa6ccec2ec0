//! Requests the app refuses before any route runs (pure logic).
//!
//! - **Cross-site requests** (OWASP CSRF Prevention: verifying origin with
//!   standard headers; Fetch Metadata): a state-changing request that
//!   carries the session cookie must come from the app's own origin. The
//!   `Origin` header decides; without it, `Sec-Fetch-Site: cross-site`
//!   refuses. Requests without the cookie (API clients with the admin
//!   token) are not affected: nothing ambient authorises them.
//! - **Bodies that are not JSON**: every body the app takes is JSON, so a
//!   `POST`/`PUT`/`PATCH`/`DELETE` with a body must say
//!   `Content-Type: application/json` (415 otherwise). A cross-site HTML
//!   form can only send `text/plain`, form or multipart bodies, so this
//!   also keeps forms from logging a victim into someone else's account.

/// What the guard needs to know of a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    pub method: &'a str,
    pub content_type: Option<&'a str>,
    pub body_len: usize,
    /// The request carries the app's session cookie (non-empty).
    pub has_session_cookie: bool,
    pub origin: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    pub host: Option<&'a str>,
    /// The app is served over HTTPS (`cookie_secure`).
    pub https: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 403 `cross-site request refused`.
    CrossSite,
    /// 415 `Content-Type must be application/json`.
    NotJson,
}

fn changes_state(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

/// The app's own origin as a browser writes it in `Origin`.
fn own_origin(host: &str, https: bool) -> String {
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{}", host.to_ascii_lowercase())
}

fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("application/json")
}

/// `Ok` when the request may go on to its route.
pub fn check(f: &Facts) -> Result<(), Refusal> {
    if !changes_state(f.method) {
        return Ok(());
    }
    if f.has_session_cookie {
        let same_origin = match (f.origin, f.host) {
            (Some(origin), Some(host)) => origin.eq_ignore_ascii_case(&own_origin(host, f.https)),
            (Some(_), None) => false,
            (None, _) => !f
                .sec_fetch_site
                .is_some_and(|s| s.eq_ignore_ascii_case("cross-site")),
        };
        if !same_origin {
            return Err(Refusal::CrossSite);
        }
    }
    if f.body_len > 0 && !f.content_type.is_some_and(is_json) {
        return Err(Refusal::NotJson);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post<'a>() -> Facts<'a> {
        Facts {
            method: "POST",
            content_type: Some("application/json"),
            body_len: 10,
            has_session_cookie: true,
            origin: Some("http://app.example:3000"),
            sec_fetch_site: None,
            host: Some("app.example:3000"),
            https: false,
        }
    }

    #[test]
    fn refusals() {
        use Refusal::*;
        let cases: Vec<(&str, Facts, Result<(), Refusal>)> = vec![
            ("same origin", post(), Ok(())),
            (
                "case of the host",
                Facts {
                    origin: Some("http://APP.example:3000"),
                    ..post()
                },
                Ok(()),
            ),
            (
                "other origin",
                Facts {
                    origin: Some("http://evil.example"),
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "other port",
                Facts {
                    origin: Some("http://app.example:4000"),
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "other scheme",
                Facts {
                    origin: Some("https://app.example:3000"),
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "https app",
                Facts {
                    origin: Some("https://app.example:3000"),
                    https: true,
                    ..post()
                },
                Ok(()),
            ),
            (
                "opaque origin",
                Facts {
                    origin: Some("null"),
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "no host",
                Facts {
                    host: None,
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "no origin, cross-site fetch",
                Facts {
                    origin: None,
                    sec_fetch_site: Some("cross-site"),
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "no origin, same-site fetch",
                Facts {
                    origin: None,
                    sec_fetch_site: Some("same-origin"),
                    ..post()
                },
                Ok(()),
            ),
            (
                "no origin at all (curl)",
                Facts {
                    origin: None,
                    ..post()
                },
                Ok(()),
            ),
            (
                "no cookie: an API client",
                Facts {
                    origin: Some("http://evil.example"),
                    has_session_cookie: false,
                    ..post()
                },
                Ok(()),
            ),
            (
                "GET is not state-changing",
                Facts {
                    method: "GET",
                    origin: Some("http://evil.example"),
                    ..post()
                },
                Ok(()),
            ),
            (
                "DELETE cross-site",
                Facts {
                    method: "DELETE",
                    origin: Some("http://evil.example"),
                    ..post()
                },
                Err(CrossSite),
            ),
            (
                "text/plain body",
                Facts {
                    content_type: Some("text/plain"),
                    ..post()
                },
                Err(NotJson),
            ),
            (
                "form body",
                Facts {
                    content_type: Some("application/x-www-form-urlencoded"),
                    has_session_cookie: false,
                    ..post()
                },
                Err(NotJson),
            ),
            (
                "no content type",
                Facts {
                    content_type: None,
                    ..post()
                },
                Err(NotJson),
            ),
            (
                "json with charset",
                Facts {
                    content_type: Some("Application/JSON; charset=utf-8"),
                    ..post()
                },
                Ok(()),
            ),
            (
                "json look-alike",
                Facts {
                    content_type: Some("application/jsonp"),
                    ..post()
                },
                Err(NotJson),
            ),
            (
                "no body, no content type",
                Facts {
                    content_type: None,
                    body_len: 0,
                    ..post()
                },
                Ok(()),
            ),
            (
                "PUT text/plain",
                Facts {
                    method: "PUT",
                    content_type: Some("text/plain"),
                    has_session_cookie: false,
                    ..post()
                },
                Err(NotJson),
            ),
        ];
        for (what, facts, want) in cases {
            assert_eq!(check(&facts), want, "{what}");
        }
    }
}
