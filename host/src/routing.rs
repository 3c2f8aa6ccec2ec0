//! Spin's HTTP routing and the `spin-*` request headers.
//!
//! Routes are matched as Spin matches them (the same `routefinder` crate):
//! exact routes beat `:name` segments, which beat trailing `/...`
//! wildcards, and longer prefixes beat shorter ones. Private routes are not
//! routable. [`RouteMatch::spin_headers`] computes the headers Spin adds to
//! every request, which spin-sdk's `Router` relies on.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::manifest::HttpRoute;

/// What one route leads to.
#[derive(Debug, Clone)]
struct Handler {
    component: String,
    /// The route with Spin's sanitising (absolute, one trailing slash dropped).
    based: String,
    /// The route as written.
    raw: String,
}

/// The routing table of an application.
#[derive(Debug)]
pub struct Router {
    inner: routefinder::Router<Handler>,
}

/// A request path matched to a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// `spin-matched-route`: the route as matched (sanitised).
    pub matched_route: String,
    /// `spin-raw-component-route`: the route as written.
    pub raw_route: String,
    /// `spin-path-info`: what the trailing wildcard captured.
    pub path_info: String,
    /// `:name` segments and their values.
    pub named: BTreeMap<String, String>,
}

/// Spin's route sanitising: absolute, and one trailing slash dropped.
fn sanitize(route: &str) -> String {
    let abs = if route.starts_with('/') {
        route.to_owned()
    } else {
        format!("/{route}")
    };
    abs.strip_suffix('/').map(str::to_owned).unwrap_or(abs)
}

impl Router {
    /// Builds the table; private routes are left out.
    pub fn build(routes: &[HttpRoute]) -> Result<Self, String> {
        let mut inner = routefinder::Router::new();
        for r in routes {
            let Some(raw) = &r.route else { continue };
            let based = sanitize(raw);
            let spec = match based.strip_suffix("/...") {
                Some(prefix) => format!("{prefix}/*"),
                None => based.clone(),
            };
            let handler = Handler {
                component: r.component.clone(),
                based,
                raw: raw.clone(),
            };
            inner
                .add(spec.as_str(), handler)
                .map_err(|e| format!("route {raw:?} of component {:?}: {e}", r.component))?;
        }
        Ok(Self { inner })
    }

    /// The best match for a request path (without the query), if any.
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        let m = self.inner.best_match(path)?;
        let h = m.handler();
        let captures = m.captures();
        let path_info = match captures.wildcard() {
            None => String::new(),
            // Spin keeps trailing slashes in path info, which routefinder drops.
            Some(w) => match (w.is_empty(), path.ends_with('/')) {
                (true, false) => String::new(),
                (true, true) => "/".into(),
                (false, false) => format!("/{w}"),
                (false, true) => format!("/{w}/"),
            },
        };
        let named = captures
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(RouteMatch {
            component: h.component.clone(),
            matched_route: h.based.clone(),
            raw_route: h.raw.clone(),
            path_info,
            named,
        })
    }

    /// `(route, component)` for every routable entry, for the start-up banner.
    pub fn routes(&self) -> Vec<(String, String)> {
        self.inner
            .iter()
            .map(|(_, h)| (h.based.clone(), h.component.clone()))
            .collect()
    }
}

impl RouteMatch {
    /// Spin's `spin-*` request headers, and `Host: localhost` when the client
    /// sent none.
    pub fn add_spin_headers(
        &self,
        headers: &mut http::HeaderMap,
        uri: &http::Uri,
        client: SocketAddr,
    ) {
        let host = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        for (k, v) in self.spin_headers("http", &host, path_and_query, client) {
            if let (Ok(k), Ok(v)) = (
                http::HeaderName::try_from(k),
                http::HeaderValue::try_from(v),
            ) {
                headers.insert(k, v);
            }
        }
        if !headers.contains_key(http::header::HOST) {
            headers.insert(
                http::header::HOST,
                http::HeaderValue::from_static("localhost"),
            );
        }
    }

    /// The headers Spin adds to the request: `spin-full-url`,
    /// `spin-path-info`, `spin-matched-route`, `spin-base-path`,
    /// `spin-raw-component-route`, `spin-component-route`,
    /// `spin-client-addr` and one `spin-path-match-<name>` per `:name`.
    pub fn spin_headers(
        &self,
        scheme: &str,
        host: &str,
        path_and_query: &str,
        client: SocketAddr,
    ) -> Vec<(String, String)> {
        let component_route = self
            .raw_route
            .strip_suffix("/...")
            .unwrap_or(&self.raw_route)
            .to_owned();
        let mut h = vec![
            ("spin-path-info".to_owned(), self.path_info.clone()),
            (
                "spin-full-url".to_owned(),
                format!("{scheme}://{host}{path_and_query}"),
            ),
            ("spin-matched-route".to_owned(), self.matched_route.clone()),
            ("spin-base-path".to_owned(), "/".to_owned()),
            (
                "spin-raw-component-route".to_owned(),
                self.raw_route.clone(),
            ),
            ("spin-component-route".to_owned(), component_route),
            ("spin-client-addr".to_owned(), client.to_string()),
        ];
        for (name, value) in &self.named {
            h.push((
                format!(
                    "spin-path-match-{}",
                    name.to_ascii_lowercase().replace('_', "-")
                ),
                value.clone(),
            ));
        }
        h
    }
}

#[cfg(test)]
mod tests;
