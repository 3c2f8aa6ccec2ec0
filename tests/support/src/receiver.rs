//! A local HTTP server standing in for a webhook's receiver: it records
//! every request and answers as the test scripts it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    /// When it arrived (ms since the epoch).
    pub at_ms: u64,
}

/// What the receiver answers to request number `n` (0-based): a status,
/// extra headers, and how long to wait first.
type Log = Arc<Mutex<Vec<Received>>>;

pub type Script = dyn Fn(usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync;

/// A local HTTP server that records requests and answers as scripted.
pub struct Receiver {
    pub url: String,
    pub received: Log,
    task: JoinHandle<()>,
}

impl Receiver {
    pub async fn start(
        script: impl Fn(usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync + 'static,
    ) -> Self {
        use axum::{
            body::Bytes, extract::State, http::HeaderMap, http::Method, http::StatusCode, http::Uri,
        };
        let received: Log = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let state = (received.clone(), script);
        let app = axum::Router::new().fallback(
            |State((received, script)): State<(Log, Arc<Script>)>,
             method: Method,
             uri: Uri,
             headers: HeaderMap,
             body: Bytes| async move {
                let n = {
                    let mut r = received.lock().unwrap();
                    r.push(Received {
                        method: method.to_string(),
                        path: uri.to_string(),
                        headers: headers
                            .iter()
                            .map(|(k, v)| {
                                (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())
                            })
                            .collect(),
                        body: String::from_utf8_lossy(&body).into_owned(),
                        at_ms: now_ms(),
                    });
                    r.len() - 1
                };
                let (status, extra, wait) = script(n);
                tokio::time::sleep(wait).await;
                let mut h = HeaderMap::new();
                for (k, v) in extra {
                    h.insert(k, v.parse().unwrap());
                }
                (StatusCode::from_u16(status).unwrap(), h, "ok")
            },
        );
        let app = app.with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            received,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
