//! Test helpers shared by the workspace's integration tests.
//!
//! - [`TestRedis`]: a private `redis-server` on a free loopback port, stopped
//!   when dropped. Where no `redis-server` binary exists it falls back to
//!   `REDIS_URL` and isolates the test by a unique key prefix instead.
//! - [`eventually`]: poll a condition until it holds or a deadline passes
//!   (tests never sleep to synchronise).
//! - [`tls::TlsRedis`]: a private TLS-only `redis-server` and the CA that
//!   signed its certificate, for `rediss://` tests.
//! - [`spin`]: real Spin (`spin up`) for a test, found as `SPIN_BIN`,
//!   on `PATH` or beside the repository.
//! - [`browser`]: headless Chromium over WebDriver, for pages.
//! - [`receiver`]: a local HTTP server that records requests (a webhook's
//!   receiver) and answers as scripted.
//! - [`bench`]: server processes and latency summaries for the benchmark
//!   programs.

pub mod bench;
pub mod browser;
pub mod cluster;
pub mod otlp;
pub mod receiver;
pub mod spin;
pub mod tls;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis server owned by one test.
pub struct TestRedis {
    child: Option<Child>,
    port: u16,
    url: String,
    /// A key prefix unique to this test.
    pub prefix: String,
    /// Extra server arguments (persistence, replication); empty: none.
    server_args: Vec<String>,
    /// The data directory of a durable server, removed on drop.
    dir: Option<std::path::PathBuf>,
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A data directory of one server's own: a server started in a shared
/// directory loads whatever `dump.rdb` another left there (a replica writes
/// one on every full sync).
fn private_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("redspin-redis-{}", unique_prefix()));
    std::fs::create_dir_all(&dir).expect("a data directory");
    dir
}

fn unique_prefix() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

fn pings(port: u16) -> bool {
    let Ok(mut s) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
    else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

impl TestRedis {
    /// Starts a private server, or falls back to `REDIS_URL`.
    pub fn start() -> Self {
        match Self::launch(Vec::new(), unique_prefix()) {
            Some(redis) => redis,
            None => {
                let url =
                    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
                eprintln!("redis-server not found; using {url} with a unique prefix");
                Self {
                    child: None,
                    port: 0,
                    url,
                    prefix: unique_prefix(),
                    server_args: Vec::new(),
                    dir: None,
                }
            }
        }
    }

    /// Starts a private server that keeps its data in an append-only file
    /// written with `appendfsync` = `fsync` (`always` or `everysec`) in a
    /// directory of its own, so [`restart`](Self::restart) after a kill
    /// brings the data back. No fallback: this needs `redis-server`.
    pub fn start_durable(fsync: &str) -> Self {
        let server_args = ["--appendonly", "yes", "--appendfsync", fsync]
            .map(String::from)
            .to_vec();
        Self::launch(server_args, unique_prefix()).expect("redis-server starts")
    }

    /// A private server on a free port with a data directory of its own;
    /// `None` when `redis-server` cannot be run.
    fn launch(server_args: Vec<String>, prefix: String) -> Option<Self> {
        let port = free_port();
        let dir = private_dir();
        let Some(child) = Self::spawn(port, &server_args, &dir) else {
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        };
        Some(Self {
            child: Some(child),
            port,
            url: format!("redis://127.0.0.1:{port}"),
            prefix,
            server_args,
            dir: Some(dir),
        })
    }

    /// Starts a private replica of this (private) server and waits until
    /// it is in sync.
    pub fn start_replica(&self) -> Self {
        assert!(self.port != 0, "only a private server has replicas");
        // Full syncs start at once rather than after the default 5 s.
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = s.write_all(b"CONFIG SET repl-diskless-sync-delay 0\r\n");
            let _ = s.read(&mut [0u8; 64]);
        }
        let server_args = [
            "--appendonly",
            "no",
            "--replicaof",
            "127.0.0.1",
            &self.port.to_string(),
        ]
        .map(String::from)
        .to_vec();
        let replica = Self::launch(server_args, self.prefix.clone()).expect("the replica starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !replica.info_has("master_link_status:up") {
            assert!(
                Instant::now() < deadline,
                "the replica did not sync within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        replica
    }

    /// Whether `INFO replication` holds `needle`.
    fn info_has(&self, needle: &str) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
        if s.write_all(b"INFO replication\r\n").is_err() {
            return false;
        }
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).contains(needle)
    }

    fn spawn(port: u16, server_args: &[String], dir: &std::path::Path) -> Option<Child> {
        let durable = !server_args.is_empty();
        let mut child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--dir", &dir.to_string_lossy()])
            .args(if durable {
                server_args.to_vec()
            } else {
                vec!["--appendonly".into(), "no".into()]
            })
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if pings(port) {
                return Some(child);
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("redis-server on port {port} exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        panic!("redis-server on port {port} did not answer within 10 s");
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// True when this test owns the server (it can stop and restart it).
    pub fn is_private(&self) -> bool {
        self.child.is_some() || self.port != 0
    }

    /// Stops the server (a private one only), as if Redis went down.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): it keeps its connections and answers
    /// nothing until [`thaw`](Self::thaw), as a stalled Redis does.
    pub fn freeze(&self) {
        self.signal("STOP");
    }

    /// Resumes a frozen server (SIGCONT).
    pub fn thaw(&self) {
        self.signal("CONT");
    }

    fn signal(&self, sig: &str) {
        let child = self
            .child
            .as_ref()
            .expect("only a private server can be signalled");
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{sig} redis-server");
    }

    /// Starts the private server again on the same port.
    pub fn restart(&mut self) {
        assert!(self.port != 0, "only a private server can be restarted");
        self.stop();
        let dir = self.dir.clone().unwrap_or_else(std::env::temp_dir);
        self.child =
            Some(Self::spawn(self.port, &self.server_args, &dir).expect("redis-server restarts"));
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Polls `check` every 5 ms until it yields `Some`, or panics with `what`
/// after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
