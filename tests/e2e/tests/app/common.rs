//! The app as users run it: the four components built for wasm32-wasip2,
//! the repository's spin.toml (or spin4.toml, `REDSPIN_E2E_MANIFEST`) and
//! migrations, served on a free port against
//! a private redis-server, by redspin-host or by real Spin
//! (`REDSPIN_E2E_HOST`, see [`crate::hosts`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use redspin_testsupport::TestRedis;

use crate::hosts::{HostKind, Process, Server};

pub const ADMIN: &str = "test-admin-token-0123456789abcdef";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The manifest the suite runs, chosen by `REDSPIN_E2E_MANIFEST`:
/// `spin.toml` (unset: spin-sdk 5, WASIp2) or `spin4.toml` (spin-sdk 6,
/// WASIp3). Same routes, variables and migrations, so every test runs
/// unchanged on either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    Spin,
    Spin4,
}

impl Manifest {
    pub fn from_env() -> Self {
        match std::env::var("REDSPIN_E2E_MANIFEST").as_deref() {
            Err(_) | Ok("") | Ok("spin.toml") => Manifest::Spin,
            Ok("spin4.toml") => Manifest::Spin4,
            Ok(other) => panic!("REDSPIN_E2E_MANIFEST={other:?}: expected spin.toml or spin4.toml"),
        }
    }

    pub fn file(self) -> &'static str {
        match self {
            Manifest::Spin => "spin.toml",
            Manifest::Spin4 => "spin4.toml",
        }
    }

    /// Where the manifest's `source`s point, below the repository.
    fn output(self) -> &'static str {
        match self {
            Manifest::Spin => "target/wasm32-wasip2/release",
            Manifest::Spin4 => "target/spin4/wasm32-wasip2/release",
        }
    }

    /// The fixtures' target directory, and the cargo features its build
    /// commands pass.
    fn build(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Manifest::Spin => ("target/fixtures", &[]),
            Manifest::Spin4 => (
                "target/fixtures/spin4",
                &["--no-default-features", "--features", "spin-sdk-6"],
            ),
        }
    }
}

/// Builds the manifest's components once per test binary; returns their
/// directory.
fn components(manifest: Manifest) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let (dir, features) = manifest.build();
        let target = root().join(dir);
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
            .args(features)
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
    server: Option<Server>,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts the app with extra Spin variables (`("session_idle_secs", "2")`)
    /// under the host `REDSPIN_E2E_HOST` names (see [`crate::hosts`]).
    pub async fn start_with(extra: &[(&str, &str)]) -> Self {
        Self::start_as(extra, None).await
    }

    /// [`TestApp::start_with`], the host run as its own process with
    /// `process`'s environment (see [`crate::hosts::Process`]).
    pub async fn start_as(extra: &[(&str, &str)], process: Option<Process>) -> Self {
        let redis = TestRedis::start();
        let dir =
            std::env::temp_dir().join(format!("redspin-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let which = Manifest::from_env();
        let manifest = std::fs::read_to_string(root().join(which.file()))
            .unwrap()
            .replace(which.output(), &components(which).display().to_string());
        std::fs::write(dir.join("spin.toml"), manifest).unwrap();
        let migrations = root().join("migrations");
        let sqlite = vec![
            format!("@{}", migrations.join("001_schema.sql").display()),
            format!("@{}", migrations.join("002_seed.sql").display()),
        ];
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
        let (base, server) = Server::start(
            HostKind::from_env(),
            &dir,
            sqlite,
            vars,
            &root().join(which.build().0).join("cwasm"),
            process,
        )
        .await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base,
            redis,
            client,
            dir,
            server: Some(server),
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
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A server still running (the test failed) is killed by its own drop.
        self.server.take();
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

/// The session's `Set-Cookie` (`sid=` or `__Host-sid=`) among the answer's
/// cookies (a login sets a device cookie too); empty when there is none.
pub fn session_cookie(h: &reqwest::header::HeaderMap) -> &str {
    h.get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sid=") || c.starts_with("__Host-sid="))
        .unwrap_or("")
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
    let cookie = session_cookie(&h).to_owned();
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=604800"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_owned()
}
