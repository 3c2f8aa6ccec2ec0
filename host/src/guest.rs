//! Running one request's guest on the connection's own task.
//!
//! A guest sets its response (`response-outparam.set`) and then writes the
//! body, so it must keep running after the response is handed to hyper.
//! Spawning it as a task of its own costs two cross-thread wake-ups per
//! request (connection task to guest task, and back with the response).
//! Instead the guest future is polled inline until the response is set, then
//! travels inside the response body ([`GuestBody`]): every time hyper asks
//! for body data, the guest is polled first, on the same task. Should hyper
//! drop the body while the guest still runs (the client went away, or the
//! guest works on after its body ended), the rest is spawned so the guest
//! still finishes, within its time limit.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as HttpBody, Frame};
use hyper::Response;
use tokio::sync::oneshot;
use wasmtime_wasi_http::WasiBody;

use crate::runtime::Body;

/// A guest's whole run: instantiation and the handler, within its limit.
pub type Run = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

/// Where the guest's response arrives, or the error code it answered with
/// (`E`: WASIp2's or WASIp3's `error-code`).
pub type Outparam<E> = oneshot::Receiver<Result<Response<WasiBody>, E>>;

/// Bounds `run` by `limit` of wall-clock time.
pub fn limited(
    run: impl Future<Output = wasmtime::Result<()>> + Send + 'static,
    limit: Duration,
) -> Run {
    Box::pin(async move {
        match tokio::time::timeout(limit, run).await {
            Ok(r) => r.map_err(anyhow::Error::from),
            Err(_) => anyhow::bail!("component did not finish within {limit:?}"),
        }
    })
}

/// Polls `run` until the guest sets its response; the response's body
/// carries the rest of the run.
pub async fn respond<E: std::fmt::Debug>(
    mut run: Run,
    mut rx: Outparam<E>,
) -> anyhow::Result<Response<Body>> {
    let set = tokio::select! {
        biased;
        set = &mut rx => set,
        ended = &mut run => {
            ended?;
            // It may have set its response in the poll it finished in.
            match rx.await {
                Ok(set) => return into_response(set, None),
                Err(_) => anyhow::bail!("component never set a response"),
            }
        }
    };
    match set {
        Ok(set) => into_response(set, Some(run)),
        // The outparam was dropped unset: the run's own error says why.
        Err(_) => {
            run.await?;
            anyhow::bail!("component never set a response")
        }
    }
}

fn into_response<E: std::fmt::Debug>(
    set: Result<Response<WasiBody>, E>,
    run: Option<Run>,
) -> anyhow::Result<Response<Body>> {
    match set {
        Ok(resp) => Ok(resp.map(|inner| {
            GuestBody {
                inner,
                run,
                ahead: None,
                ended: false,
            }
            .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
            .boxed_unsync()
        })),
        Err(code) => {
            if let Some(run) = run {
                finish_elsewhere(run);
            }
            anyhow::bail!("component answered with an error: {code:?}")
        }
    }
}

/// Lets a guest that still runs finish on a task of its own.
fn finish_elsewhere(run: Run) {
    tokio::spawn(async move {
        // Failures were logged where the run was built.
        let _ = run.await;
    });
}

/// The guest's response body, driving the guest while it is read.
///
/// After each data frame it looks ahead once: when the guest has already
/// finished its body, the frame goes out as the last one, so hyper writes
/// the chunked terminator with it (one write per response instead of two).
pub struct GuestBody {
    inner: WasiBody,
    run: Option<Run>,
    /// A frame read while looking ahead, not yet handed out.
    ahead: Option<Frame<Bytes>>,
    ended: bool,
}

impl HttpBody for GuestBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(run) = this.run.as_mut() {
            if run.as_mut().poll(cx).is_ready() {
                this.run = None;
            }
        }
        if let Some(frame) = this.ahead.take() {
            return this.look_ahead(frame, cx);
        }
        if this.ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => this.look_ahead(frame, cx),
            Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(None)
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ahead.is_none() && (self.ended || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl GuestBody {
    /// Hands out `frame`, first checking whether the body ends right after
    /// it (then [`HttpBody::is_end_stream`] says so) or another frame is
    /// already there (kept for the next poll).
    fn look_ahead(
        &mut self,
        frame: Frame<Bytes>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, wasmtime_wasi_http::Error>>> {
        if let Some(run) = self.run.as_mut() {
            if run.as_mut().poll(cx).is_ready() {
                self.run = None;
            }
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => self.ended = true,
            Poll::Ready(Some(Ok(next))) => self.ahead = Some(next),
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
            Poll::Pending => {}
        }
        Poll::Ready(Some(Ok(frame)))
    }
}

impl Drop for GuestBody {
    fn drop(&mut self) {
        if let Some(run) = self.run.take() {
            finish_elsewhere(run);
        }
    }
}
