//! Real Spin for the tests: find the `spin` CLI and run `spin up` on a free
//! port, so a test can check on the runtime users deploy to what it checks
//! on redspin-host.
//!
//! The binary is `SPIN_BIN`, else a Spin CLI named `spin` on `PATH`, else
//! `../shared/tools/spin` beside the repository ([`spin_binary`]). Another
//! program called `spin` (the Promela model checker is one) does not count.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// True when `bin` is the Spin CLI (`spin 4.0.2 (...)`).
pub fn is_spin_cli(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            let v = String::from_utf8_lossy(&o.stdout);
            o.status.success()
                && v.strip_prefix("spin ")
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
}

/// The Spin CLI to use, if there is one. A `SPIN_BIN` that is not a Spin
/// CLI is an error, never passed over.
pub fn spin_binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("SPIN_BIN").filter(|b| !b.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(
            is_spin_cli(&bin),
            "SPIN_BIN={} is not a Spin CLI",
            bin.display()
        );
        return Some(bin);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("spin")).collect())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([root.join("../shared/tools/spin")])
        .find(|b| b.is_file() && is_spin_cli(b))
}

/// `spin up` serving one app; killed when dropped.
pub struct SpinUp {
    child: Child,
    log: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// True once something on `base`'s port answers an HTTP request.
async fn answers_http(port: u16) -> bool {
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let req = b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n";
    let mut head = [0u8; 7];
    s.write_all(req).await.is_ok() && s.read_exact(&mut head).await.is_ok() && &head == b"HTTP/1."
}

impl SpinUp {
    /// Runs `bin up -f manifest --listen 127.0.0.1:PORT args...` with `env`
    /// added to this process' environment, and waits until it serves
    /// (generous: the first start compiles the components). Its output goes
    /// to a log file beside the manifest. The port is free when chosen but
    /// not held, so a start that loses it is tried again on another.
    pub async fn start(
        bin: &Path,
        manifest: &Path,
        args: &[String],
        env: &[(String, String)],
    ) -> Self {
        let dir = manifest.parent().expect("the manifest is in a directory");
        let mut last_log = String::new();
        for attempt in 0..3 {
            let port = crate::free_port();
            let log = dir.join(format!("spin-up-{attempt}.log"));
            let out = std::fs::File::create(&log).expect("create the log file");
            let child = Command::new(bin)
                .arg("up")
                .arg("-f")
                .arg(manifest)
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .args(args)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("clone the log file"))
                .stderr(out)
                .spawn()
                .unwrap_or_else(|e| panic!("{} up: {e}", bin.display()));
            let mut spin = SpinUp {
                child,
                log,
                base: format!("http://127.0.0.1:{port}"),
            };
            if spin.ready(port).await {
                return spin;
            }
            last_log = spin.log();
        }
        panic!("spin up did not start; its output:\n{last_log}");
    }

    /// Waits until it answers (true) or exits (false).
    async fn ready(&mut self, port: u16) -> bool {
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if answers_http(port).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("spin up did not answer within 180 s:\n{}", self.log());
    }

    /// What Spin printed, components' output included.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it as an operator does (SIGTERM), killing it if it lingers.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SpinUp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
