//! Outbound HTTP (`wasi:http/outgoing-handler`), limited to the component's
//! `allowed_outbound_hosts`. A request elsewhere fails with the error code
//! Spin gives, `HTTP-request-denied`.

use std::future::Future;
use std::sync::Arc;

use wasmtime_wasi_http::WasiHttpHooks;

use crate::outbound::{AllowedHosts, OutboundUrl};

/// Per-request hooks carrying the component's outbound rules.
pub struct OutboundHooks {
    pub component: Arc<str>,
    pub allowed: Arc<AllowedHosts>,
}

type Io = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;

impl OutboundHooks {
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
        if !self.allowed(request.uri()) {
            tracing::warn!(
                component = %self.component,
                host = request.uri().host().unwrap_or(""),
                "refused an HTTP request to a host not in allowed_outbound_hosts"
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((res.map(BodyExt::boxed_unsync), Box::new(io) as Io))
        })
    }
}
