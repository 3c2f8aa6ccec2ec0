//! Host benchmark (run by `scripts/bench host`): requests/s, p50/p99 latency
//! and resident memory of the same requests served by (a) a native axum baseline,
//! (b) the probe component on `redspin-host` and (c) the probe component on
//! real Spin (when a Spin CLI is found), measured in one run against one
//! private redis-server with the same load generator (keep-alive HTTP/1.1
//! connections, closed loop, origin-form request targets as browsers and
//! `wrk` send them).
//!
//! Three workloads: `GET /probe/static?len=N` (N bytes, no I/O: the host's
//! own cost, its floor), `GET /probe/get?key=K` (a Redis GET through the
//! Spin Redis interface) and `GET /probe/kv-value?key=K` (a read of the
//! `default` key-value store, Spin's SQLite file). The components are the
//! two probes, one per SDK generation (spin-sdk 5, WASIp2; spin-sdk 6,
//! WASIp3), each run on both hosts; the WASIp2 one also on redspin-host
//! exporting OTLP (its "vs the WASIp2 row" is the cost of exporting; the
//! plain rows set no OTEL variables, so no span is even created).
//!
//! With `EARLIER_HOST_BIN` (another build of redspin-host, say the last
//! release) the WASIp2 app also runs on it, compared with this build's row:
//! how a change moved the request path, measured in the same run.
//!
//! Usage: http_bench HOST_BIN BASELINE_BIN PROBE_WASM PROBE3_WASM [SECONDS] [CONNECTIONS] [EARLIER_HOST_BIN]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use redspin_testsupport::bench::{spawn_server, Summary};
use redspin_testsupport::TestRedis;

const KEY: &str = "bench:user:1";
const VALUE: &str = r#"{"id":1,"name":"Alice","email":"alice@example.com","avatar":"https://example.com/a.png","created_at":"2026-01-01T00:00:00Z"}"#;

struct Measured {
    rps: f64,
    lat: Summary,
}

/// Closed-loop load on `base` + `path` (origin-form target).
async fn load(
    base: &str,
    path: &str,
    seconds: u64,
    connections: usize,
) -> anyhow::Result<Measured> {
    let base: hyper::Uri = base.parse()?;
    let addr = format!("{}:{}", base.host().unwrap(), base.port_u16().unwrap());
    for (phase, secs) in [("warm", 1), ("measure", seconds)] {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (addr, path) = (addr.clone(), path.to_owned());
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&addr).await?;
                stream.set_nodelay(true)?;
                let (mut send, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await?;
                tokio::spawn(conn);
                let mut lat = Vec::with_capacity(100_000);
                while Instant::now() < deadline {
                    let req = hyper::Request::get(path.as_str())
                        .header("host", addr.as_str())
                        .body(Empty::<Bytes>::new())?;
                    let t = Instant::now();
                    let resp = send.send_request(req).await?;
                    anyhow::ensure!(resp.status() == 200, "{path}: status {}", resp.status());
                    let body = resp.into_body().collect().await?.to_bytes();
                    anyhow::ensure!(
                        body.len() == VALUE.len(),
                        "{path}: body of {} bytes",
                        body.len()
                    );
                    // (Every workload answers VALUE's length: `/static` is
                    // asked for exactly that many bytes.)
                    lat.push(t.elapsed().as_nanos() as u64);
                }
                anyhow::Ok(lat)
            }));
        }
        let started = Instant::now();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        let elapsed = started.elapsed().as_secs_f64();
        if phase == "measure" {
            let rps = all.len() as f64 / elapsed;
            let lat = Summary::of(all).ok_or_else(|| anyhow::anyhow!("no requests completed"))?;
            return Ok(Measured { rps, lat });
        }
    }
    unreachable!()
}

/// An OTLP receiver on a thread and runtime of its own; its endpoint.
fn otlp_sink() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async {
            let sink = redspin_testsupport::otlp::OtlpReceiver::start().await;
            let _ = tx.send(sink.endpoint.clone());
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("the receiver starts")
}

/// Resident memory of a process (`VmRSS`) in MiB, read right after its
/// load ends (its peak, `VmHWM`, would count the compilation of the
/// component at start-up, which every host does once).
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Real Spin on a free port, ready when its health endpoint answers.
async fn start_spin(bin: &Path, manifest: &Path) -> anyhow::Result<(std::process::Child, String)> {
    let port = redspin_testsupport::free_port();
    let child = Command::new(bin)
        .args(["up", "-f"])
        .arg(manifest)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("{base}/.well-known/spin/health"))
            .send()
            .await
        {
            if r.status() == 200 {
                return Ok((child, base));
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("spin up did not answer within 120 s")
}

struct Row {
    server: String,
    /// The WASIp2 row this one is compared with (same host), if WASIp3.
    p2_row: Option<usize>,
    floor: Measured,
    get: Measured,
    kv: Measured,
    rss: Option<f64>,
}

async fn measure(
    server: String,
    p2_row: Option<usize>,
    base: &str,
    pid: u32,
    seconds: u64,
    conns: usize,
) -> anyhow::Result<Row> {
    let floor = format!("/probe/static?len={}", VALUE.len());
    let floor = load(base, &floor, seconds, conns).await?;
    let get = load(base, &format!("/probe/get?key={KEY}"), seconds, conns).await?;
    let kv = load(base, &format!("/probe/kv-value?key={KEY}"), seconds, conns).await?;
    Ok(Row {
        server,
        p2_row,
        floor,
        get,
        kv,
        rss: rss_mib(pid),
    })
}

/// The bench app in `dir`, serving `probe`; its manifest.
fn write_app(dir: &Path, probe: &str, redis_url: &str) -> anyhow::Result<std::path::PathBuf> {
    let manifest = dir.join(format!("spin-{}.toml", rows_key(probe)));
    std::fs::write(
        &manifest,
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"bench\"\n[variables]\nredis_url = {{ default = \"{redis_url}\" }}\n[[trigger.http]]\nroute = \"/probe/...\"\ncomponent = \"probe\"\n[component.probe]\nsource = \"{probe}\"\nallowed_outbound_hosts = [\"{redis_url}\"]\nkey_value_stores = [\"default\"]\n[component.probe.variables]\nredis_url = \"{{{{ redis_url }}}}\"\n"
        ),
    )?;
    Ok(manifest)
}

fn rows_key(probe: &str) -> String {
    Path::new(probe)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Spin's key-value file and table, holding `KEY`: every server reads it.
fn write_kv(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir.join(".spin"))?;
    let kv_file = dir.join(".spin/sqlite_key_value.db");
    let db = rusqlite::Connection::open(&kv_file)?;
    db.execute_batch("CREATE TABLE IF NOT EXISTS spin_key_value (store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key))")?;
    db.execute(
        "INSERT OR REPLACE INTO spin_key_value VALUES ('default', ?1, ?2)",
        rusqlite::params![KEY, VALUE.as_bytes()],
    )?;
    Ok(kv_file)
}

const GENERATIONS: [&str; 2] = ["spin-sdk 5, WASIp2", "spin-sdk 6, WASIp3"];

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (host_bin, baseline_bin) = (&args[1], &args[2]);
    let probes = [&args[3], &args[4]];
    let seconds: u64 = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let connections: usize = args.get(6).map(|s| s.parse()).transpose()?.unwrap_or(16);

    let redis = TestRedis::start();
    let mut c = redis::Client::open(redis.url())?
        .get_multiplexed_async_connection()
        .await?;
    let () = redis::cmd("SET")
        .arg(KEY)
        .arg(VALUE)
        .query_async(&mut c)
        .await?;

    let dir = std::env::temp_dir().join(format!("redspin-bench-{}", std::process::id()));
    let kv_file = write_kv(&dir)?;
    let manifests = [
        write_app(&dir, probes[0], redis.url())?,
        write_app(&dir, probes[1], redis.url())?,
    ];

    let mut rows = Vec::new();
    {
        let mut cmd = Command::new(baseline_bin);
        cmd.args(["127.0.0.1:0", redis.url()]).arg(&kv_file);
        let (native, base) = spawn_server(&mut cmd)?;
        let name = "native axum (baseline)".to_owned();
        rows.push(measure(name, None, &base, native.pid(), seconds, connections).await?);
    }
    let mut p2_row = None;
    let mut plain_p2 = None;
    for (manifest, generation) in manifests.iter().zip(GENERATIONS) {
        let mut cmd = Command::new(host_bin);
        cmd.args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(manifest);
        let (host, base) = spawn_server(&mut cmd)?;
        let name = format!("redspin-host ({generation})");
        rows.push(measure(name, p2_row, &base, host.pid(), seconds, connections).await?);
        p2_row = Some(rows.len() - 1);
        plain_p2 = plain_p2.or(p2_row);
    }
    {
        // The WASIp2 app again, exporting every span and the request
        // count over OTLP (to a receiver that decodes them, on a thread of
        // its own): what turning telemetry on costs.
        let mut cmd = Command::new(host_bin);
        cmd.args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(&manifests[0])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", otlp_sink());
        let (host, base) = spawn_server(&mut cmd)?;
        let name = format!("redspin-host ({}), exporting OTLP", GENERATIONS[0]);
        rows.push(measure(name, plain_p2, &base, host.pid(), seconds, connections).await?);
    }
    if let Some(earlier) = args.get(7) {
        let mut cmd = Command::new(earlier);
        cmd.args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(&manifests[0]);
        let (host, base) = spawn_server(&mut cmd)?;
        let name = format!("redspin-host ({}), earlier build", GENERATIONS[0]);
        rows.push(measure(name, plain_p2, &base, host.pid(), seconds, connections).await?);
    }
    match redspin_testsupport::spin::spin_binary() {
        Some(bin) => {
            let mut p2_row = None;
            for (manifest, generation) in manifests.iter().zip(GENERATIONS) {
                let (mut spin, base) = start_spin(&bin, manifest).await?;
                let name = format!("Spin 4 ({generation})");
                let row = measure(name, p2_row, &base, spin.id(), seconds, connections).await;
                let _ = spin.kill();
                let _ = spin.wait();
                rows.push(row?);
                p2_row = Some(rows.len() - 1);
            }
        }
        None => eprintln!("no Spin CLI found: the Spin rows are left out"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    print_rows(&rows);
    println!();
    println!("({connections} keep-alive connection(s), {seconds} s per measurement after 1 s of warm-up.)");
    Ok(())
}

fn print_rows(rows: &[Row]) {
    let native = &rows[0];
    println!(
        "| server | workload | requests/s | time per request vs native | vs the WASIp2 row | p50 | p99 | RSS after load |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        type Pick = fn(&Row) -> &Measured;
        let workloads: [(&str, Pick); 3] = [
            ("floor (no I/O)", |r| &r.floor),
            ("Redis GET", |r| &r.get),
            ("key-value get", |r| &r.kv),
        ];
        for (workload, pick) in workloads {
            let (m, base) = (pick(r), pick(native));
            let vs_p2 = r
                .p2_row
                .map_or("".into(), |i| format!("{:.2}x", pick(&rows[i]).rps / m.rps));
            println!(
                "| {} | {workload} | {:.0} | {:.2}x | {vs_p2} | {:.0} us ({:+.0}) | {:.0} us ({:+.0}) | {} |",
                r.server,
                m.rps,
                base.rps / m.rps,
                m.lat.p50_us,
                m.lat.p50_us - base.lat.p50_us,
                m.lat.p99_us,
                m.lat.p99_us - base.lat.p99_us,
                r.rss.map_or("?".into(), |m| format!("{m:.0} MiB")),
            );
        }
    }
}
