//! Helpers for the host's end-to-end tests: the probe component built for
//! wasm32-wasip2 (once per test binary), an app directory with a manifest,
//! and the real runtime serving it on a free port.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use redspin_host::runtime::Options;
use redspin_testsupport::spin::SpinUp;

/// The two test components: the same routes, one per SDK generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// spin-sdk 5, WASIp2 (`wasi:http/incoming-handler@0.2`).
    P2,
    /// spin-sdk 6, WASIp3 (`wasi:http/handler@0.3.0-rc-2026-03-15`).
    P3,
}

impl Probe {
    pub const BOTH: [Probe; 2] = [Probe::P2, Probe::P3];

    /// The component, built (release, wasm32-wasip2) once per test run.
    pub fn wasm(self) -> PathBuf {
        let dir = probes_dir();
        dir.join(match self {
            Probe::P2 => "probe.wasm",
            Probe::P3 => "probe3.wasm",
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Probe::P2 => "wasip2",
            Probe::P3 => "wasip3",
        }
    }
}

/// Builds both probe components in one cargo run; their directory.
fn probes_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_owned();
        let target_dir = root.join("target/fixtures");
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--release",
                "--locked",
                "--target",
                "wasm32-wasip2",
                "-p",
                "probe",
                "-p",
                "probe3",
                "--target-dir",
            ])
            .arg(&target_dir)
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the probe components failed");
        target_dir.join("wasm32-wasip2/release")
    })
    .clone()
}

/// A manifest serving the probe on `/probe/...` with `redis_url` as a
/// variable and every loopback Redis port allowed.
pub fn redis_probe_manifest(redis_url: &str) -> String {
    format!(
        r#"
spin_manifest_version = 2
[application]
name = "redis-probe"

[variables]
redis_url = {{ default = "{redis_url}" }}

[[trigger.http]]
route = "/probe/..."
component = "probe"

[component.probe]
source = "@PROBE_WASM@"
allowed_outbound_hosts = ["redis://127.0.0.1:*"]
[component.probe.variables]
redis_url = "{{{{ redis_url }}}}"
"#
    )
}

/// The hosts a behaviour Spin defines is checked on: redspin-host always,
/// real Spin when a Spin CLI is found (required with REDSPIN_REQUIRE_SPIN=1).
pub fn spin_for_calibration() -> Option<std::path::PathBuf> {
    match redspin_testsupport::spin::spin_binary() {
        Some(bin) => Some(bin),
        None if std::env::var("REDSPIN_REQUIRE_SPIN").as_deref() == Ok("1") => {
            panic!("REDSPIN_REQUIRE_SPIN=1 but no Spin CLI was found")
        }
        None => {
            eprintln!("no Spin CLI found: checked on redspin-host only");
            None
        }
    }
}

/// A directory holding `spin.toml` (the given text, with `@PROBE_WASM@` replaced
/// by a probe's path); removed on drop.
pub struct AppDir {
    pub dir: PathBuf,
}

impl AppDir {
    /// With the WASIp2 probe.
    pub fn new(manifest: &str) -> Self {
        Self::with_probe(manifest, Probe::P2)
    }

    pub fn with_probe(manifest: &str, probe: Probe) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "redspin-host-test-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let text = manifest.replace("@PROBE_WASM@", &probe.wasm().display().to_string());
        std::fs::write(dir.join("spin.toml"), text).unwrap();
        Self { dir }
    }

    pub fn manifest(&self) -> PathBuf {
        self.dir.join("spin.toml")
    }
}

impl Drop for AppDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The runtime serving an app on a free port until dropped.
pub struct Served {
    pub base: String,
    served: redspin_host::embed::Served,
    pub app: AppDir,
}

impl Served {
    pub async fn start(app: AppDir, options: Options, vars: &[(&str, &str)]) -> Self {
        Self::start_with(app, options, vars, redspin_host::server::Limits::default()).await
    }

    /// [`Served::start`] with the server's connection limits.
    pub async fn start_with(
        app: AppDir,
        options: Options,
        vars: &[(&str, &str)],
        limits: redspin_host::server::Limits,
    ) -> Self {
        let env = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let served = redspin_host::embed::Served::start(&app.manifest(), options, env, limits)
            .await
            .expect("the app loads");
        Self {
            base: served.base.clone(),
            served,
            app,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        get_at(&self.base, path).await
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        json_at(&self.base, path, "redspin-host").await
    }

    pub async fn stop(self) {
        self.served.stop().await.expect("the server ends cleanly");
    }
}

/// A host serving an app under test: redspin-host, or real Spin.
pub struct Target {
    pub base: String,
    /// The host and the probe, for assertion messages: "redspin-host,
    /// wasip3", "real Spin, wasip2".
    pub who: String,
    /// The app's directory (manifest, `.spin/`).
    pub dir: PathBuf,
}

impl Target {
    pub async fn get(&self, path: &str) -> (u16, String) {
        get_at(&self.base, path).await
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        json_at(&self.base, path, &self.who).await
    }
}

/// `GET base+path`: the status and the body.
async fn get_at(base: &str, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.unwrap())
}

/// `GET base+path`, which must answer 200 with JSON (`who` names the host
/// in failures).
async fn json_at(base: &str, path: &str, who: &str) -> serde_json::Value {
    let (status, body) = get_at(base, path).await;
    assert_eq!(status, 200, "{who}: {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{who}: {path}: {e}: {body}"))
}

/// Runs `check` against `manifest` (its `@PROBE_WASM@` each probe in
/// turn) served by redspin-host with `options`, then by real Spin when a
/// Spin CLI is found (see [`spin_for_calibration`]), so an expectation holds
/// on the host that defines the behaviour, for both component generations.
/// `vars` are given to both as environment (`SPIN_VARIABLE_*`);
/// `options.sqlite_statements` and `options.runtime_config_file` become
/// Spin's `--sqlite` and `--runtime-config-file`. Options with no Spin
/// equivalent (time and body limits) apply to redspin-host alone.
pub async fn on_both_hosts(
    manifest: &str,
    options: Options,
    vars: &[(&str, &str)],
    check: impl AsyncFn(&Target),
) {
    for probe in Probe::BOTH {
        on_both_hosts_with(probe, manifest, options.clone(), vars, &check).await;
    }
}

/// [`on_both_hosts`] for one probe.
pub async fn on_both_hosts_with(
    probe: Probe,
    manifest: &str,
    options: Options,
    vars: &[(&str, &str)],
    check: impl AsyncFn(&Target),
) {
    on_both_hosts_in(probe, manifest, |_| options.clone(), vars, check).await;
}

/// [`on_both_hosts_with`] where the options depend on the app's directory:
/// `prepare` runs in each host's fresh directory (writing a runtime config
/// file beside the manifest, say) and gives the options for that run.
pub async fn on_both_hosts_in(
    probe: Probe,
    manifest: &str,
    prepare: impl Fn(&Path) -> Options,
    vars: &[(&str, &str)],
    check: impl AsyncFn(&Target),
) {
    let app = AppDir::with_probe(manifest, probe);
    let options = prepare(&app.dir);
    let served = Served::start(app, options, vars).await;
    check(&Target {
        base: served.base.clone(),
        who: format!("redspin-host, {}", probe.name()),
        dir: served.app.dir.clone(),
    })
    .await;
    served.stop().await;

    if let Some(bin) = spin_for_calibration() {
        let app = AppDir::with_probe(manifest, probe);
        let args = spin_args(&prepare(&app.dir));
        let env: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let spin = SpinUp::start(&bin, &app.manifest(), &args, &env).await;
        check(&Target {
            base: spin.base.clone(),
            who: format!("real Spin, {}", probe.name()),
            dir: app.dir.clone(),
        })
        .await;
        spin.stop().await;
    }
}

/// `spin up`'s arguments for the options Spin has: `--sqlite` and
/// `--runtime-config-file`.
fn spin_args(options: &Options) -> Vec<String> {
    let mut args = Vec::new();
    for s in &options.sqlite_statements {
        args.extend(["--sqlite".to_owned(), s.clone()]);
    }
    if let Some(f) = &options.runtime_config_file {
        args.extend(["--runtime-config-file".to_owned(), f.display().to_string()]);
    }
    args
}

/// `s` percent-encoded for a query string.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
