//! The HTTP server: accepts connections, hands each request to the
//! runtime, and on shutdown stops accepting and lets in-flight requests
//! finish (up to a grace period).

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::runtime::Runtime;

/// Serves `runtime` on `listener` until `shutdown` resolves, then waits up
/// to `grace` for open connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    runtime: Arc<Runtime>,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
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
                let service = hyper::service::service_fn(move |req| {
                    let rt = rt.clone();
                    async move { Ok::<_, std::convert::Infallible>(rt.handle(req, client).await) }
                });
                let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection closed with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(grace) => tracing::warn!("requests still running after {grace:?} were cut off"),
    }
    Ok(())
}
