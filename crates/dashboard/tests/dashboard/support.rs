//! A dashboard served from this process against a private Redis, jobs in
//! every state made by a real worker, and an HTTP client that keeps no
//! cookies of its own (tests pass them explicitly).

use std::time::Duration;

use redspin_core::{KeySchema, NewJob};
use redspin_dashboard::{self as dashboard, Admin, AppState, Auth};
use redspin_queue::QueueClient;
use redspin_testsupport::{eventually, TestRedis};
use redspin_worker::{HandlerError, JobContext, Registry, Worker, WorkerConfig};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const TOKEN: &str = "dashboard-test-token-0123456789abcdef";
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Dash {
    pub url: String,
    pub redis: TestRedis,
    pub client: QueueClient,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// The `--trace-url-template` every test dashboard has.
pub const TRACE_URL: &str = "https://jaeger.example/trace/{trace_id}";

impl Dash {
    /// A dashboard with `token` (or open, loopback only) on a free port.
    pub async fn start(token: Option<&str>) -> Self {
        Self::start_with_limits(token, dashboard::server::Limits::default()).await
    }

    /// [`Dash::start`] with the server's connection limits.
    pub async fn start_with_limits(token: Option<&str>, limits: dashboard::server::Limits) -> Self {
        let redis = TestRedis::start();
        let client = QueueClient::connect(redis.url(), schema(&redis))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState {
            admin: Admin::new(client.clone()),
            auth: std::sync::Arc::new(Auth::new(token, false).unwrap()),
            trace_url: Some(std::sync::Arc::new(
                dashboard::TraceUrl::parse(TRACE_URL).unwrap(),
            )),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(dashboard::serve_with(
            listener,
            state,
            async move {
                let _ = rx.await;
            },
            limits,
        ));
        Self {
            url,
            redis,
            client,
            stop: Some(tx),
            task,
        }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Signs in with the token; returns the `Cookie` header to send.
    pub async fn sign_in(&self) -> String {
        let res = http()
            .post(self.at("/login"))
            .form(&[("token", TOKEN)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "sign-in answers with a redirect");
        let set = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        set.split(';').next().unwrap().to_owned()
    }

    pub async fn get(&self, path: &str, cookie: &str) -> (u16, String) {
        let res = http()
            .get(self.at(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    pub async fn api(&self, path: &str, cookie: &str) -> (u16, Value) {
        let (status, body) = self.get(path, cookie).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")),
        )
    }

    /// Posts a form; returns the status and the `Location` header.
    pub async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> (u16, String) {
        let res = http()
            .post(self.at(path))
            .header("cookie", cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (res.status().as_u16(), location)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.unwrap().unwrap();
    }
}

pub fn schema(redis: &TestRedis) -> KeySchema {
    KeySchema::new(redis.prefix.clone()).unwrap()
}

/// A client that follows no redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token in a page.
pub fn csrf(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF field")
        + 19;
    page[at..at + 64].to_owned()
}

/// Runs a real worker on `queue` until `done` jobs finished and `dead`
/// died: jobs of type `ok` succeed, `doomed` fail for good.
pub async fn work(dash: &Dash, queue: &str, done: u64, dead: u64) {
    let mut registry = Registry::new();
    registry.register("ok", |_ctx: JobContext| async { Ok(()) });
    registry.register("doomed", |_ctx: JobContext| async {
        Err(HandlerError::fail("the receiver said no"))
    });
    let config = WorkerConfig {
        redis_url: dash.redis.url().to_owned(),
        schema: schema(&dash.redis),
        queues: vec![queue.into()],
        concurrency: 8,
        recovery_timeout: Duration::from_millis(1500),
        ..WorkerConfig::default()
    };
    let (tx, rx) = oneshot::channel::<()>();
    let worker = tokio::spawn(Worker::new(config, registry).run(async move {
        let _ = rx.await;
    }));
    eventually(WAIT, "jobs done and dead", || async {
        let s = dash.client.stats(queue).await.unwrap();
        (s.done >= done && s.dead >= dead).then_some(())
    })
    .await;
    let _ = tx.send(());
    worker.await.unwrap().unwrap();
}

/// Enqueues `n` jobs of `kind` on `queue`; returns their ids.
pub async fn enqueue(
    client: &QueueClient,
    queue: &str,
    kind: &str,
    n: usize,
    delay_ms: u64,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let job = NewJob::new(kind, json!({"n": i, "password": "hunter2", "url": "https://hooks.example.com/T0/SECRETPATH"}))
            .delay_ms(delay_ms)
            .max_attempts(1);
        ids.push(client.enqueue(queue, job).await.unwrap().0.id);
    }
    ids
}
