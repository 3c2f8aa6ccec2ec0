//! Cache benchmark (run by `scripts/bench app`): per-request latency of the
//! app's cached reads through `redspin-host` with the real components, one
//! keep-alive connection, closed loop, one private redis-server, for both
//! builds of the app in the same run: `spin.toml` (spin-sdk 5, WASIp2; the
//! baseline) and `spin4.toml` (spin-sdk 6, WASIp3):
//!
//! - `GET /posts/hello-world`: page-cache hit, `If-None-Match` 304, and miss
//!   (the page key is deleted before each request, outside the timing, so
//!   every request reads SQLite, renders Markdown and writes the cache);
//! - `GET /users/1`: cache hit and miss the same way, and a hit asked by
//!   alice herself (her session checked beside the cache read: one after
//!   the other on spin-sdk 5, at once on spin-sdk 6).
//!
//! Every answer's status and `x-cache` header are checked, so a row measures
//! what it says it measures.
//!
//! Usage: page_bench HOST_BIN [SECONDS]   (run from the repository root,
//! components built for wasm32-wasip2 in target/ and target/spin4/)

use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use redspin_core::KeySchema;
use redspin_testsupport::bench::{spawn_server, Summary};
use redspin_testsupport::TestRedis;

/// What one phase sends and expects.
struct Phase {
    name: &'static str,
    path: &'static str,
    /// Cache key (unprefixed) deleted before each request: a miss phase.
    evict: Option<&'static str>,
    if_none_match: bool,
    /// Sent with alice's session cookie.
    logged_in: bool,
    status: u16,
    x_cache: &'static str,
}

const PHASES: &[Phase] = &[
    Phase {
        name: "page hit",
        path: "/posts/hello-world",
        evict: None,
        if_none_match: false,
        logged_in: false,
        status: 200,
        x_cache: "hit",
    },
    Phase {
        name: "page 304 (If-None-Match)",
        path: "/posts/hello-world",
        evict: None,
        if_none_match: true,
        logged_in: false,
        status: 304,
        x_cache: "hit",
    },
    Phase {
        name: "page miss (SQLite + Markdown + cache write)",
        path: "/posts/hello-world",
        evict: Some("page:/posts/hello-world"),
        if_none_match: false,
        logged_in: false,
        status: 200,
        x_cache: "miss",
    },
    Phase {
        name: "user hit",
        path: "/users/1",
        evict: None,
        if_none_match: false,
        logged_in: false,
        status: 200,
        x_cache: "hit",
    },
    Phase {
        name: "user hit, logged in (session check + cache read)",
        path: "/users/1",
        evict: None,
        if_none_match: false,
        logged_in: true,
        status: 200,
        x_cache: "hit",
    },
    Phase {
        name: "user miss (SQLite + cache write)",
        path: "/users/1",
        evict: Some("user:1"),
        if_none_match: false,
        logged_in: false,
        status: 200,
        x_cache: "miss",
    },
];

struct Client {
    send: SendRequest<Full<Bytes>>,
    base: String,
    /// alice's session cookie (`sid=...`), once logged in.
    cookie: Option<String>,
}

impl Client {
    async fn connect(base: &str) -> anyhow::Result<Self> {
        let addr = base.trim_start_matches("http://").to_owned();
        let stream = tokio::net::TcpStream::connect(&addr).await?;
        stream.set_nodelay(true)?;
        let (send, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Self {
            send,
            base: base.to_owned(),
            cookie: None,
        })
    }

    /// Logs alice in and keeps her session cookie.
    async fn login(&mut self) -> anyhow::Result<()> {
        let body = r#"{"email":"alice@example.com","password":"correct horse battery staple"}"#;
        let req = hyper::Request::post(format!("{}/auth/login", self.base))
            .header("host", "bench")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(body.as_bytes())))?;
        let resp = self.send.send_request(req).await?;
        anyhow::ensure!(resp.status() == 200, "login: {}", resp.status());
        let set = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or_else(|| anyhow::anyhow!("login: no session cookie"))?;
        self.cookie = Some(set.to_owned());
        resp.into_body().collect().await?;
        Ok(())
    }

    /// Status, `x-cache`, `etag`.
    async fn get(
        &mut self,
        path: &str,
        etag: Option<&str>,
        logged_in: bool,
    ) -> anyhow::Result<(u16, String, String)> {
        let mut req = hyper::Request::get(format!("{}{path}", self.base)).header("host", "bench");
        if let Some(e) = etag {
            req = req.header("if-none-match", e);
        }
        if let Some(c) = self.cookie.as_ref().filter(|_| logged_in) {
            req = req.header("cookie", c);
        }
        let resp = self.send.send_request(req.body(Full::default())?).await?;
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let out = (resp.status().as_u16(), header("x-cache"), header("etag"));
        resp.into_body().collect().await?;
        Ok(out)
    }
}

async fn run(
    phase: &Phase,
    client: &mut Client,
    redis: &mut redis::aio::MultiplexedConnection,
    keys: &KeySchema,
    seconds: u64,
) -> anyhow::Result<Summary> {
    // Fill the cache (and learn the ETag), then warm up for a second.
    let (_, _, etag) = client.get(phase.path, None, phase.logged_in).await?;
    let etag = phase.if_none_match.then_some(etag.as_str());
    let mut lat = Vec::new();
    for secs in [1, seconds] {
        lat.clear();
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Some(key) = phase.evict {
                let _: i64 = redis::cmd("DEL")
                    .arg(keys.cache(key))
                    .query_async(redis)
                    .await?;
            }
            let t = Instant::now();
            let (status, x_cache, _) = client.get(phase.path, etag, phase.logged_in).await?;
            lat.push(t.elapsed().as_nanos() as u64);
            anyhow::ensure!(
                (status, x_cache.as_str()) == (phase.status, phase.x_cache),
                "{}: got {status} x-cache {x_cache:?}",
                phase.name
            );
        }
    }
    Summary::of(lat).ok_or_else(|| anyhow::anyhow!("{}: no requests completed", phase.name))
}

/// The two builds of the app: manifest and where its components are.
const BUILDS: [(&str, &str, &str); 2] = [
    (
        "spin.toml",
        "spin-sdk 5 (WASIp2)",
        "target/wasm32-wasip2/release",
    ),
    (
        "spin4.toml",
        "spin-sdk 6 (WASIp3)",
        "target/spin4/wasm32-wasip2/release",
    ),
];

/// Every phase against one build of the app, on a redis-server and a
/// SQLite file of its own.
async fn bench(
    host_bin: &str,
    (manifest, _, components): (&str, &str, &str),
    seconds: u64,
) -> anyhow::Result<Vec<Summary>> {
    let redis_server = TestRedis::start();
    let keys = KeySchema::new(redis_server.prefix.clone())?;
    // The manifest in a directory of its own, so the bench has its own
    // `.spin/sqlite_db.db` (a running `scripts/up` is not touched).
    let root = std::env::current_dir()?;
    let dir = std::env::temp_dir().join(format!(
        "redspin-page-bench-{}-{manifest}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let text = std::fs::read_to_string(root.join(manifest))?
        .replace(components, &root.join(components).display().to_string());
    std::fs::write(dir.join("spin.toml"), text)?;
    let migration = |f: &str| format!("@{}", root.join("migrations").join(f).display());
    let (host, base) = spawn_server(
        Command::new(host_bin)
            .args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(dir.join("spin.toml"))
            .args(["--sqlite", &migration("001_schema.sql")])
            .args(["--sqlite", &migration("002_seed.sql")])
            .env("SPIN_VARIABLE_REDIS_URL", redis_server.url())
            .env("SPIN_VARIABLE_KEY_PREFIX", &redis_server.prefix)
            .env("SPIN_VARIABLE_COOKIE_SECURE", "false"),
    )?;
    let mut client = Client::connect(&base).await?;
    client.login().await?;
    let mut redis = redis::Client::open(redis_server.url())?
        .get_multiplexed_async_connection()
        .await?;
    let mut results = Vec::new();
    for phase in PHASES {
        results.push(run(phase, &mut client, &mut redis, &keys, seconds).await?);
    }
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let host_bin = args
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("usage: page_bench HOST_BIN [SECONDS]"))?;
    let seconds: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let mut builds = Vec::new();
    for build in BUILDS {
        builds.push(bench(host_bin, build, seconds).await?);
    }
    let (p2, p3) = (&builds[0], &builds[1]);
    println!(
        "| request | {} mean | p50 | p99 | {} mean | p50 | p99 | WASIp3 / WASIp2 (mean) |",
        BUILDS[0].1, BUILDS[1].1
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (i, phase) in PHASES.iter().enumerate() {
        let (a, b) = (&p2[i], &p3[i]);
        println!(
            "| {} | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.2}x |",
            phase.name,
            a.mean_us,
            a.p50_us,
            a.p99_us,
            b.mean_us,
            b.p50_us,
            b.p99_us,
            b.mean_us / a.mean_us
        );
    }
    println!();
    for ((_, label, _), results) in BUILDS.iter().zip(&builds) {
        let mean = |name: &str| {
            PHASES
                .iter()
                .position(|p| p.name.starts_with(name))
                .map(|i| results[i].mean_us)
                .unwrap_or(f64::NAN)
        };
        println!(
            "{label}: a page miss costs {:.1}x a hit, a 304 {:.2}x; a user miss {:.1}x a hit; a logged-in hit {:.2}x an anonymous one.",
            mean("page miss") / mean("page hit"),
            mean("page 304") / mean("page hit"),
            mean("user miss") / mean("user hit"),
            mean("user hit, logged in") / mean("user hit"),
        );
        println!();
    }
    println!(
        "One keep-alive connection, {seconds} s per row and build, the builds one after the other."
    );
    Ok(())
}
