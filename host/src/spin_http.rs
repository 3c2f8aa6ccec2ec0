//! Outbound HTTP (`wasi:http/outgoing-handler`), limited to the component's
//! `allowed_outbound_hosts`. A request elsewhere fails with the error code
//! Spin gives, `HTTP-request-denied`; one whose addresses are all in
//! `block_networks`, `destination-IP-prohibited` ([`crate::http_client`]).
//!
//! A request to the app itself (a URL with no host, or the host
//! `self.alt`) needs an `http://self` (or `*`) entry, as in Spin
//! (`factor-outbound-http/src/wasi.rs`, `prepare_request`), and goes to the
//! address the app is served on.

use std::future::Future;
use std::sync::Arc;

use wasmtime_wasi_http::WasiHttpHooks;

use tracing::Instrument;

use crate::http_client;
use crate::networks::BlockedNetworks;
use crate::outbound::{AllowedHosts, OutboundUrl};
use crate::telemetry;
use crate::tls::TlsConfigs;

/// Per-request hooks carrying the component's outbound rules.
pub struct OutboundHooks {
    pub component: Arc<str>,
    pub allowed: Arc<AllowedHosts>,
    /// The app's `block_networks` and `[[client_tls]]` (see
    /// [`crate::http_client`]).
    pub blocked: Arc<BlockedNetworks>,
    pub tls: Arc<TlsConfigs>,
    /// Where the app is served (`None` until the server listens).
    pub self_origin: Option<http::uri::Authority>,
}

type Io = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;

/// True for a request to the app itself: no host, or `self.alt`.
pub fn is_self_request(uri: &http::Uri) -> bool {
    match uri.authority() {
        Some(a) => a.host().is_empty() || a.host() == "self.alt",
        None => true,
    }
}

impl OutboundHooks {
    /// Points a self request at the app's address.
    fn to_self(
        &self,
        request: &mut http::Request<wasmtime_wasi_http::WasiBody>,
    ) -> Result<(), wasmtime_wasi_http::Error> {
        let origin = self
            .self_origin
            .clone()
            .ok_or(wasmtime_wasi_http::Error::HttpRequestUriInvalid)?;
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(http::uri::Scheme::HTTP);
        parts.authority = Some(origin.clone());
        parts.path_and_query = request.uri().path_and_query().cloned();
        *request.uri_mut() = http::Uri::from_parts(parts)
            .map_err(|_| wasmtime_wasi_http::Error::HttpRequestUriInvalid)?;
        let host = http::HeaderValue::from_str(origin.as_str())
            .map_err(|_| wasmtime_wasi_http::Error::HttpRequestUriInvalid)?;
        request.headers_mut().insert(http::header::HOST, host);
        Ok(())
    }

    fn allowed(&self, uri: &http::Uri) -> bool {
        let scheme = uri.scheme_str().unwrap_or("https");
        let Some(authority) = uri.authority() else {
            return false;
        };
        OutboundUrl::parse(&format!("{scheme}://{authority}"), scheme)
            .is_ok_and(|u| self.allowed.allows(&u))
    }
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Io,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (http::Response<wasmtime_wasi_http::WasiBody>, Io),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        let _ = fut;
        let mut request = request;
        let span = telemetry::outbound_span(request.method());
        let _entered = span.enter();
        if is_self_request(request.uri()) {
            if !self.allowed.allows_relative(&["http", "https"]) {
                tracing::warn!(component = %self.component, "refused a request to the app itself: no http://self in allowed_outbound_hosts");
                return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
            }
            if let Err(e) = self.to_self(&mut request) {
                return Box::new(async move { Err(e) });
            }
        } else if !self.allowed(request.uri()) {
            tracing::warn!(
                component = %self.component,
                host = request.uri().host().unwrap_or(""),
                "refused an HTTP request to a host not in allowed_outbound_hosts"
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let rules = http_client::Rules {
            component: self.component.clone(),
            blocked: self.blocked.clone(),
            tls: self.tls.clone(),
        };
        telemetry::outbound_prepared(&span, &mut request);
        drop(_entered);
        Box::new(
            async move {
                use http_body_util::BodyExt;
                let (res, io) = http_client::send(request, options, rules).await?;
                tracing::Span::current().record("http.response.status_code", res.status().as_u16());
                Ok((res.map(BodyExt::boxed_unsync), Box::new(io) as Io))
            }
            .instrument(span),
        )
    }
}
