//! OTLP/HTTP exports sent with the project's reqwest 0.12 on the process's
//! tokio runtime. The SDK's batch and periodic threads poll exports with a
//! plain executor (no reactor there), so each request is spawned onto the
//! runtime captured at start and awaited through its join handle.

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};

#[derive(Debug, Clone)]
pub struct RuntimeClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

impl RuntimeClient {
    /// Must be called inside the runtime.
    pub fn new(timeout: std::time::Duration) -> reqwest::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(timeout)
                .no_proxy()
                .build()?,
            runtime: tokio::runtime::Handle::current(),
        })
    }
}

#[async_trait::async_trait]
impl HttpClient for RuntimeClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime
            .spawn(async move {
                let request = reqwest::Request::try_from(request)?;
                let response = client.execute(request).await?;
                // The exporter reads the status (429, 5xx, Retry-After) itself.
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                let mut out = Response::builder().status(status).body(body)?;
                *out.headers_mut() = headers;
                Ok::<_, HttpError>(out)
            })
            .await?
    }
}
