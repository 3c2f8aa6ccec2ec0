//! The HTTP server: accepts connections, hands each request to the
//! runtime, and on shutdown stops accepting and lets in-flight requests
//! finish (up to a grace period).
//!
//! Slow or idle clients cannot pin it: a connection must send a request's
//! headers within [`Limits::header_read_timeout`] (hyper closes it
//! otherwise, after an idle keep-alive too), and at most
//! [`Limits::max_connections`] connections are served at once; more wait in
//! the listen backlog until one closes. A request's body must arrive within
//! the runtime's body timeouts, and a connection outliving its request's
//! deadline (a client that stopped reading the response) is dropped, the
//! guest with it (see [`crate::deadline`]).

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::deadline::Deadline;
use crate::runtime::Runtime;

/// Connection limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest wait for a request's headers (also the keep-alive idle time).
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Serves `runtime` on `listener` until `shutdown` resolves, then waits up
/// to `grace` for open connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    runtime: Arc<Runtime>,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    serve_with(listener, runtime, shutdown, grace, Limits::default()).await
}

/// [`serve`] with explicit connection limits.
pub async fn serve_with(
    listener: TcpListener,
    runtime: Arc<Runtime>,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
    limits: Limits,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        runtime.set_self_origin(addr);
    }
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let (stream, client) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let rt = runtime.clone();
        let deadline = Deadline::default();
        let request_deadline = deadline.clone();
        let service = hyper::service::service_fn(move |req| {
            let rt = rt.clone();
            let deadline = request_deadline.clone();
            async move {
                let resp = rt.handle(req, client, &deadline).await;
                Ok::<_, std::convert::Infallible>(resp)
            }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            tokio::select! {
                ended = conn => {
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, "connection closed with an error");
                    }
                }
                // Dropping the connection drops what its request holds.
                _ = deadline.passed() => tracing::debug!("connection dropped: past its request's deadline"),
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(grace) => tracing::warn!("requests still running after {grace:?} were cut off"),
    }
    Ok(())
}
