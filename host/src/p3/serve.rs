//! One request to a `wasi:http/handler@0.3.0` export, as Spin 4.0.2 serves
//! it (`crates/trigger-http/src/wasip3.rs`): the request goes in as a
//! `wasi:http/types.request`, the handler's response comes back, and the
//! store's event loop keeps running until hyper has read the whole
//! response body, because the guest may still be writing it.
//!
//! Unlike Spin, which by default reuses a WASIp3 instance for up to 128
//! requests (16 at once), every request gets an instance of its own, as
//! with WASIp2: nothing one request leaves in a guest's memory is seen by
//! the next. Work the guest goes on with after its response (tasks it
//! spawned) is let finish, within the request's time limit, before the
//! instance is dropped.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::oneshot;
use wasmtime::Store;
use wasmtime_wasi_http::p3::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p3::bindings::ServicePre;
use wasmtime_wasi_http::p3::Request;
use wasmtime_wasi_http::WasiBody;

use crate::state::HostState;

/// Where the guest's response (or the error code it answered with) goes.
pub type Outparam = oneshot::Sender<Result<http::Response<WasiBody>, ErrorCode>>;

/// Instantiates `pre` in `store` and runs its handler on `req`, sending
/// the response to `out`; returns once the response body has been read
/// (or dropped) and the guest's remaining tasks have finished.
pub async fn run(
    pre: ServicePre<HostState>,
    mut store: Store<HostState>,
    req: http::Request<Full<Bytes>>,
    out: Outparam,
) -> wasmtime::Result<()> {
    let service = pre.instantiate_async(&mut store).await?;
    let req = with_authority(req);
    let (request, request_io) = Request::from_http(&mut store.data_mut().hooks, req);
    store
        .run_concurrent(async move |store| -> wasmtime::Result<()> {
            let response = match service.handle(store, request).await? {
                Ok(response) => response,
                Err(code) => {
                    let _ = out.send(Err(code));
                    return Ok(());
                }
            };
            let response = store.with(|mut s| response.into_http(&mut s, request_io))?;
            let (read, was_read) = oneshot::channel();
            let response = response.map(|body| {
                NotifyOnDrop {
                    body,
                    dropped: Some(read),
                }
                .boxed_unsync()
            });
            if out.send(Ok(response)).is_ok() {
                // The guest may still be writing the body: keep the event
                // loop turning until hyper is done with it.
                let _ = was_read.await;
            }
            std::future::poll_fn(|cx| store.poll_no_interesting_tasks(cx)).await;
            Ok(())
        })
        .await?
}

/// A body that says when it is dropped (read to the end, or abandoned).
struct NotifyOnDrop {
    body: WasiBody,
    dropped: Option<oneshot::Sender<()>>,
}

impl HttpBody for NotifyOnDrop {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.dropped.take() {
            let _ = tx.send(());
        }
    }
}

/// The request with its URI absolute (`http://<Host header>/...`), as a
/// WASIp2 guest sees it and as Spin hands a WASIp3 guest its authority:
/// the `Host` header itself may not reach a WASIp3 guest.
fn with_authority(req: http::Request<Full<Bytes>>) -> http::Request<Full<Bytes>> {
    if req.uri().authority().is_some() {
        return req;
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| http::uri::Authority::try_from(h.as_bytes()).ok());
    let Some(authority) = host else {
        return req;
    };
    let (mut head, body) = req.into_parts();
    let mut parts = head.uri.clone().into_parts();
    parts.scheme = Some(http::uri::Scheme::HTTP);
    parts.authority = Some(authority);
    if parts.path_and_query.is_none() {
        parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
    }
    if let Ok(uri) = http::Uri::from_parts(parts) {
        head.uri = uri;
    }
    http::Request::from_parts(head, body)
}
