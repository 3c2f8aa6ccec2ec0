//! Sending a component's outbound HTTP request: wasmtime's
//! `default_send_request` with the two things Spin adds before it
//! connects (`crates/factor-outbound-http/src/wasi.rs`): the host name is
//! resolved here, every address in `block_networks` dropped (all dropped:
//! `destination-IP-prohibited`), and the connection made to the addresses
//! that remain, so what was checked is what is connected to; and HTTPS
//! uses the component's `[[client_tls]]` trust for that host.

use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::uri::Scheme;
use http::{Request, Response};
use hyper::body::Body;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions};

use crate::networks::BlockedNetworks;
use crate::tls::TlsConfigs;

/// What the request may connect to and trust.
pub struct Rules {
    pub component: Arc<str>,
    pub blocked: Arc<BlockedNetworks>,
    pub tls: Arc<TlsConfigs>,
}

trait Stream: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin + 'static> Stream for T {}

/// The addresses `authority` (`host:port`) may be connected at.
async fn addresses(authority: &str, blocked: &BlockedNetworks) -> Result<Vec<SocketAddr>, Error> {
    let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host(authority)
        .await
        .map_err(Error::Connect)?
        .collect();
    if blocked.remove_blocked(&mut addrs) {
        tracing::error!("all destination IP(s) prohibited by runtime config");
        return Err(Error::DestinationIpProhibited);
    }
    Ok(addrs)
}

async fn connect(
    uri: &http::Uri,
    rules: &Rules,
    connect_timeout: Duration,
) -> Result<Box<dyn Stream>, Error> {
    let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
    let use_tls = uri.scheme() == Some(&Scheme::HTTPS);
    let port = uri.port_u16().unwrap_or(if use_tls { 443 } else { 80 });
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let authority = if bare.contains(':') {
        format!("[{bare}]:{port}")
    } else {
        format!("{bare}:{port}")
    };
    let connecting = async {
        let addrs = addresses(&authority, &rules.blocked).await?;
        TcpStream::connect(&addrs[..]).await.map_err(Error::Connect)
    };
    let stream = tokio::time::timeout(connect_timeout, connecting)
        .await
        .map_err(|_| Error::ConnectionTimeout)??;
    if !use_tls {
        return Ok(Box::new(stream));
    }
    let config = rules.tls.for_host(&rules.component, bare);
    let name = rustls::pki_types::ServerName::try_from(bare.to_owned())
        .map_err(Error::InvalidDnsNameError)?;
    let tls = tokio_rustls::TlsConnector::from(Arc::clone(&config))
        .connect(name, stream)
        .await
        .map_err(Error::Tls)?;
    Ok(Box::new(tls))
}

/// Sends `req` within `rules`, with the request's timeouts (ten minutes
/// each by default, as wasmtime's).
pub async fn send(
    mut req: Request<impl Body<Data = Bytes, Error = Error> + Send + 'static>,
    options: Option<RequestOptions>,
    rules: Rules,
) -> Result<
    (
        Response<impl Body<Data = Bytes, Error = Error>>,
        impl std::future::Future<Output = Result<(), Error>> + Send,
    ),
    Error,
> {
    let default = Duration::from_secs(600);
    let connect_timeout = options.and_then(|o| o.connect_timeout).unwrap_or(default);
    let first_byte_timeout = options
        .and_then(|o| o.first_byte_timeout)
        .unwrap_or(default);
    let between_bytes_timeout = options
        .and_then(|o| o.between_bytes_timeout)
        .unwrap_or(default)
        .max(Duration::new(0, 1));
    let stream = connect(req.uri(), &rules, connect_timeout).await?;
    let (mut sender, conn) = tokio::time::timeout(
        connect_timeout,
        hyper::client::conn::http1::Builder::new().handshake(TokioIo::new(stream)),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)??;
    // The request line carries the path alone (no proxy is addressed).
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    *req.uri_mut() = http::Uri::builder()
        .path_and_query(path)
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;
    let send = async move {
        let res = tokio::time::timeout(first_byte_timeout, sender.send_request(req))
            .await
            .map_err(|_| Error::ConnectionReadTimeout)?
            .map_err(Error::from)?;
        let mut timeout = tokio::time::interval(between_bytes_timeout);
        timeout.reset();
        Ok::<_, Error>(res.map(|incoming| Incoming { incoming, timeout }))
    };
    let mut send = pin!(send);
    let mut conn = Some(conn);
    // Waits for the response while driving the connection.
    let res = poll_fn(|cx| match send.as_mut().poll(cx) {
        Poll::Ready(r) => Poll::Ready(r),
        Poll::Pending => {
            let Some(fut) = conn.as_mut() else {
                return Poll::Pending;
            };
            let ended = ready!(Pin::new(fut).poll(cx));
            conn = None;
            match ended {
                Ok(()) => send.as_mut().poll(cx),
                Err(e) => Poll::Ready(Err(Error::from(e))),
            }
        }
    })
    .await?;
    Ok((res, async move {
        let Some(conn) = conn.take() else {
            return Ok(());
        };
        conn.await.map_err(|e| {
            if e.is_timeout() {
                Error::HttpResponseTimeout
            } else {
                e.into()
            }
        })
    }))
}

/// A response body that fails when the next piece is late.
struct Incoming {
    incoming: hyper::body::Incoming,
    timeout: tokio::time::Interval,
}

impl Body for Incoming {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(e))) if e.is_timeout() => {
                Poll::Ready(Some(Err(Error::HttpResponseTimeout)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Error::from(e)))),
            Poll::Ready(Some(Ok(frame))) => {
                self.timeout.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                ready!(self.timeout.poll_tick(cx));
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.incoming.size_hint()
    }
}
