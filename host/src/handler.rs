//! Which HTTP handler a component exports, decided once at load as Spin
//! does (`crates/http/src/trigger.rs`, `HandlerType::from_instance_pre`),
//! and running one request through it.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use tokio::sync::oneshot;
use wasmtime::component::InstancePre;
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::WasiHttpView;

use crate::guest::{self, Run};
use crate::runtime::Body;
use crate::state::HostState;

/// The `incoming-handler` export prefix for every `wasi:http` 0.2 version.
const WASI_HTTP_0_2: &str = "wasi:http/incoming-handler@0.2";
/// The `handler` export of `wasi:http` 0.3 as Spin 4.0.2 names it (the
/// release candidate, renamed to 0.3.0 at load: see [`crate::p3`]).
const WASI_HTTP_0_3_RC: &str = "wasi:http/handler@0.3.0-rc-2026-03-15";

/// A component's HTTP handler, pre-instantiated.
#[derive(Clone)]
pub enum Handler {
    /// `wasi:http/incoming-handler@0.2.x` (spin-sdk 5 and before).
    P2(ProxyPre<HostState>),
    /// `wasi:http/handler@0.3.x` (spin-sdk 6).
    P3(ServicePre<HostState>),
}

impl Handler {
    /// The handler `pre` exports; exactly one is expected, with Spin's
    /// words when there is none or more than one.
    pub fn find(pre: InstancePre<HostState>) -> anyhow::Result<Self> {
        let mut found = Vec::new();
        if let Ok(p2) = ProxyPre::new(pre.clone()) {
            found.push(Handler::P2(p2));
        }
        if let Ok(p3) = ServicePre::new(pre) {
            found.push(Handler::P3(p3));
        }
        match found.len() {
            1 => Ok(found.pop().expect("one")),
            0 => anyhow::bail!(
                "Expected component to export one of `{WASI_HTTP_0_2}.*` or \
                 `{WASI_HTTP_0_3_RC}` (or the final `wasi:http/handler@0.3.0`) but it \
                 exported none of those. This may mean the component handles a \
                 different trigger, or that its `wasi:http` export is newer than those \
                 supported here."
            ),
            _ => anyhow::bail!(
                "component exports multiple different handlers but it's expected to \
                 export only one"
            ),
        }
    }

    /// Which generation, for logs and tests.
    pub fn generation(&self) -> &'static str {
        match self {
            Handler::P2(_) => "wasip2",
            Handler::P3(_) => "wasip3",
        }
    }

    /// Runs `req` in `store`, bounded by `limit` (see [`guest::limited`]);
    /// `logged` wraps the guest's run to report its outcome.
    pub async fn call(
        &self,
        mut store: Store<HostState>,
        req: Request<Full<Bytes>>,
        logged: impl FnOnce(Run) -> Run,
        limit: std::time::Duration,
    ) -> anyhow::Result<Response<Body>> {
        match self {
            Handler::P2(pre) => {
                let (tx, rx) = oneshot::channel();
                let wreq = store
                    .data_mut()
                    .http()
                    .new_incoming_request(Scheme::Http, req)?;
                let out = store.data_mut().http().new_response_outparam(tx)?;
                let pre = pre.clone();
                let run = guest::limited(
                    async move {
                        let proxy = pre.instantiate_async(&mut store).await?;
                        proxy
                            .wasi_http_incoming_handler()
                            .call_handle(&mut store, wreq, out)
                            .await
                    },
                    limit,
                );
                guest::respond(logged(run), rx).await
            }
            Handler::P3(pre) => {
                let (tx, rx) = oneshot::channel();
                let run = guest::limited(crate::p3::serve::run(pre.clone(), store, req, tx), limit);
                guest::respond(logged(run), rx).await
            }
        }
    }
}
