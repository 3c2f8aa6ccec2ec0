//! Host benchmark (run by `scripts/bench`): requests/s and p50/p99 latency
//! of a cache-hit GET served by (a) the probe component through
//! `redspin-host` and (b) the native axum baseline doing the same Redis GET,
//! measured in one run against one private redis-server, with the same
//! load generator (keep-alive HTTP/1.1 connections, closed loop).
//!
//! Usage: http_bench HOST_BIN BASELINE_BIN PROBE_WASM [SECONDS] [CONNECTIONS]

use std::process::Command;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use redspin_testsupport::bench::{spawn_server, Summary};
use redspin_testsupport::TestRedis;

const KEY: &str = "bench:user:1";
const VALUE: &str = r#"{"id":1,"name":"Alice","email":"alice@example.com","avatar":"https://example.com/a.png","created_at":"2026-01-01T00:00:00Z"}"#;

struct Result_ {
    rps: f64,
    lat: Summary,
}

async fn load(base: &str, seconds: u64, connections: usize) -> anyhow::Result<Result_> {
    let url: hyper::Uri = format!("{base}/probe/get?key={KEY}").parse()?;
    let addr = format!("{}:{}", url.host().unwrap(), url.port_u16().unwrap());
    // Warm up, then measure.
    for (phase, secs) in [("warm", 1), ("measure", seconds)] {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let addr = addr.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&addr).await?;
                stream.set_nodelay(true)?;
                let (mut send, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await?;
                tokio::spawn(conn);
                let mut lat = Vec::with_capacity(100_000);
                while Instant::now() < deadline {
                    let req = hyper::Request::get(url.clone())
                        .header("host", "bench")
                        .body(Empty::<Bytes>::new())?;
                    let t = Instant::now();
                    let resp = send.send_request(req).await?;
                    anyhow::ensure!(resp.status() == 200, "status {}", resp.status());
                    let body = resp.into_body().collect().await?.to_bytes();
                    anyhow::ensure!(body.len() == VALUE.len(), "body of {} bytes", body.len());
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
            return Ok(Result_ { rps, lat });
        }
    }
    unreachable!()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (host_bin, baseline_bin, probe) = (&args[1], &args[2], &args[3]);
    let seconds: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let connections: usize = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(16);

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
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("spin.toml"),
        format!(
            "spin_manifest_version = 2\n[application]\nname = \"bench\"\n[variables]\nredis_url = {{ default = \"{url}\" }}\n[[trigger.http]]\nroute = \"/probe/...\"\ncomponent = \"probe\"\n[component.probe]\nsource = \"{probe}\"\nallowed_outbound_hosts = [\"{url}\"]\n[component.probe.variables]\nredis_url = \"{{{{ redis_url }}}}\"\n",
            url = redis.url()
        ),
    )?;

    let (_host, host_base) = spawn_server(
        Command::new(host_bin)
            .args(["up", "--listen", "127.0.0.1:0", "-f"])
            .arg(dir.join("spin.toml")),
    )?;
    let host = load(&host_base, seconds, connections).await?;
    drop(_host);
    let (_native, native_base) =
        spawn_server(Command::new(baseline_bin).args(["127.0.0.1:0", redis.url()]))?;
    let native = load(&native_base, seconds, connections).await?;
    drop(_native);
    let _ = std::fs::remove_dir_all(&dir);

    println!("| server | requests/s | p50 | p99 | requests |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, r) in [
        ("native axum + redis-rs (baseline)", &native),
        ("redspin-host + probe component", &host),
    ] {
        println!(
            "| {name} | {:.0} | {:.0} us | {:.0} us | {} |",
            r.rps, r.lat.p50_us, r.lat.p99_us, r.lat.count
        );
    }
    println!();
    println!(
        "Host vs baseline: {:.2}x the time per request (throughput ratio), p50 {:+.0} us, p99 {:+.0} us ({} keep-alive connections, {} s).",
        native.rps / host.rps,
        host.lat.p50_us - native.lat.p50_us,
        host.lat.p99_us - native.lat.p99_us,
        connections,
        seconds
    );
    Ok(())
}
