//! The app as users run it: the four components built for wasm32-wasip2,
//! the repository's spin.toml and migrations, served by redspin-host on a
//! free port against a private redis-server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redspin_host::manifest::App;
use redspin_host::runtime::{Options, Runtime};
use redspin_testsupport::TestRedis;
use tokio::sync::oneshot;

pub const ADMIN: &str = "test-admin-token";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Builds the components once per test binary; returns their directory.
fn components() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = root().join("target/fixtures");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip2",
        ]);
        for p in [
            "redspin-fn-users",
            "redspin-fn-posts",
            "redspin-fn-auth",
            "redspin-fn-tasks",
        ] {
            cmd.args(["-p", p]);
        }
        let status = cmd
            .arg("--target-dir")
            .arg(&target)
            .current_dir(root())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "building the components failed (is the target installed? rustup target add wasm32-wasip2)"
        );
        target.join("wasm32-wasip2/release")
    })
    .clone()
}

pub struct TestApp {
    pub base: String,
    pub redis: TestRedis,
    pub client: reqwest::Client,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts the app with extra Spin variables (`("session_idle_secs", "2")`).
    pub async fn start_with(extra: &[(&str, &str)]) -> Self {
        let redis = TestRedis::start();
        let dir =
            std::env::temp_dir().join(format!("redspin-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = std::fs::read_to_string(root().join("spin.toml"))
            .unwrap()
            .replace(
                "target/wasm32-wasip2/release",
                &components().display().to_string(),
            );
        std::fs::write(dir.join("spin.toml"), manifest).unwrap();
        let migrations = root().join("migrations");
        let options = Options {
            sqlite_statements: vec![
                format!("@{}", migrations.join("001_schema.sql").display()),
                format!("@{}", migrations.join("002_seed.sql").display()),
            ],
            request_timeout: Duration::from_secs(20),
            cache_dir: Some(root().join("target/fixtures/cwasm")),
            ..Options::default()
        };
        let mut vars = vec![
            ("SPIN_VARIABLE_REDIS_URL".to_owned(), redis.url().to_owned()),
            ("SPIN_VARIABLE_KEY_PREFIX".to_owned(), redis.prefix.clone()),
            ("SPIN_VARIABLE_ADMIN_TOKEN".to_owned(), ADMIN.to_owned()),
            ("SPIN_VARIABLE_COOKIE_SECURE".to_owned(), "false".to_owned()),
        ];
        for (k, v) in extra {
            let name = format!("SPIN_VARIABLE_{}", k.to_uppercase());
            vars.retain(|(n, _)| *n != name);
            vars.push((name, (*v).to_owned()));
        }
        let app = App::load(&dir.join("spin.toml")).expect("spin.toml loads");
        let runtime = tokio::task::spawn_blocking(move || {
            Runtime::load(&app, options, |k| {
                vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
            })
        })
        .await
        .unwrap()
        .expect("the app loads");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            redspin_host::server::serve(listener, Arc::new(runtime), stop, Duration::from_secs(5))
                .await
                .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base,
            redis,
            client,
            dir,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// A plain connection to the app's Redis, to look at or age its keys.
    pub fn redis_conn(&self) -> redis::Connection {
        redis::Client::open(self.redis.url())
            .and_then(|c| c.get_connection())
            .expect("connect to the test Redis")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Status, a header, and the JSON body (or `null`).
pub async fn send(
    req: reqwest::RequestBuilder,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

pub fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub const ALICE: (&str, &str) = ("alice@example.com", "correct horse battery staple");

/// Logs in; the `sid=...` pair to send back as a cookie.
pub async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let (status, h, body) = send(
        app.client
            .post(app.url("/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let cookie = header(&h, "set-cookie").to_owned();
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_owned()
}
