//! OpenTelemetry export, set up in `main`: the `redspin-host` binary and
//! real Spin (when found) serve the probe with `OTEL_EXPORTER_OTLP_*`
//! pointing at a receiver that decodes the protobuf. A request carrying a
//! `traceparent` is a SERVER span of that trace; its outbound HTTP request
//! is a CLIENT span whose context the request carries on; SQLite and
//! key-value calls are spans as Spin makes them.

use std::path::Path;
use std::time::Duration;

use crate::common::*;
use crate::interfaces::{manifest, VARS};
use redspin_testsupport::eventually;
use redspin_testsupport::otlp::{OtlpReceiver, ReceivedSpan};
use redspin_testsupport::receiver::Receiver;
use redspin_testsupport::spin::SpinUp;
use redspin_testsupport::TestRedis;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const WAIT: Duration = Duration::from_secs(30);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `GET base+path` in the trace `TRACE` (a parent span id per request).
async fn traced_get(base: &str, path: &str, parent: u8) -> String {
    let tp = format!("00-{TRACE}-{:016x}-01", u64::from(parent) + 1);
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("traceparent", tp)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The spans of the request whose SERVER span has parent `parent`: it and
/// every span below it.
fn request_spans(otlp: &OtlpReceiver, parent: u8) -> Vec<ReceivedSpan> {
    let all: Vec<_> = otlp
        .spans()
        .into_iter()
        .filter(|s| s.trace_id_hex() == TRACE)
        .collect();
    let want = format!("{:016x}", u64::from(parent) + 1);
    let Some(root) = all.iter().find(|s| hex(&s.span.parent_span_id) == want) else {
        return Vec::new();
    };
    let mut out = vec![root.clone()];
    let mut i = 0;
    while i < out.len() {
        let id = out[i].span.span_id.clone();
        out.extend(all.iter().filter(|s| s.span.parent_span_id == id).cloned());
        i += 1;
    }
    out
}

async fn check(base: &str, otlp: &OtlpReceiver, hook: &Receiver, probe: Probe, who: &str) {
    let url = percent_encode(&format!("{}/hook?token=s3cret", hook.url));
    traced_get(base, &format!("/probe/http?url={url}"), 1).await;
    traced_get(base, "/probe/sqlite", 2).await;
    traced_get(base, "/probe/kv?op=set&key=a&value=one", 3).await;

    // Spin 4.0.2 starts each host call of a spin-sdk 6 component in a
    // trace of its own; redspin-host keeps them in the request's.
    let detached = who.starts_with("real Spin") && probe == Probe::P3;
    let port = hook.url.rsplit(':').next().unwrap().to_owned();
    let (server, client) = eventually(WAIT, "the outbound request's spans", || async {
        let spans = request_spans(otlp, 1);
        let server = spans.first()?.clone();
        let client = if detached {
            otlp.spans()
                .into_iter()
                .rev()
                .find(|s| s.span.kind == 3 && s.attr("server.port").as_deref() == Some(&port))
        } else {
            spans.into_iter().find(|s| s.span.kind == 3)
        };
        Some((server, client?))
    })
    .await;
    assert_eq!(server.span.name, "GET /probe/...", "{who}");
    assert_eq!(server.span.kind, 2, "{who}: SERVER");
    assert_eq!(client.span.name, "GET", "{who}");
    assert_eq!(client.attr("http.request.method").as_deref(), Some("GET"));
    assert_eq!(client.attr("server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(
        client.attr("http.response.status_code").as_deref(),
        Some("200")
    );
    if !detached {
        assert_eq!(client.trace_id_hex(), TRACE, "{who}");
    }
    if who.starts_with("redspin-host") {
        // The origin only: no path, no query (Spin sends the whole URL).
        assert_eq!(client.attr("url.full").as_deref(), Some(hook.url.as_str()));
    }
    let sent = hook.received().pop().expect("the outbound request arrived");
    let want = format!(
        "00-{}-{}-01",
        client.trace_id_hex(),
        hex(&client.span.span_id)
    );
    assert_eq!(sent.headers.get("traceparent"), Some(&want), "{who}");

    // SQLite: `spin_sqlite.open`, then a span named by each statement.
    let sqlite = eventually(WAIT, "the SQLite spans", || async {
        let spans = match detached {
            true => otlp.spans(),
            false => request_spans(otlp, 2),
        };
        let sqlite: Vec<_> = spans
            .into_iter()
            .filter(|s| s.attr("db.system").as_deref() == Some("sqlite"))
            .collect();
        (sqlite.len() > 1).then_some(sqlite)
    })
    .await;
    let names: Vec<_> = sqlite.iter().map(|s| s.span.name.as_str()).collect();
    assert!(names.contains(&"spin_sqlite.open"), "{who}: {names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("SELECT ")),
        "{who}: {names:?}"
    );
    assert!(sqlite.iter().all(|s| s.span.kind == 3), "{who}");

    // Key-value: spans for `spin:key-value@2`; Spin has none for `@3`.
    let kv = eventually(WAIT, "the key-value request's spans", || async {
        let spans = request_spans(otlp, 3);
        (spans.len() > 1).then_some(spans)
    })
    .await;
    let kv: Vec<_> = kv.iter().map(|s| s.span.name.as_str()).collect();
    if probe == Probe::P2 {
        for name in ["spin_key_value.open", "spin_key_value.set"] {
            assert!(kv.contains(&name), "{who}: {kv:?}");
        }
    }
    eventually(WAIT, "spin.request_count", || async {
        let names = otlp.metric_names();
        names
            .iter()
            .any(|n| n == "spin.request_count")
            .then_some(())
    })
    .await;
}

async fn run(bin: &Path, probe: Probe, m: &str, hook: &Receiver, who: &str) {
    let otlp = OtlpReceiver::start().await;
    let app = AppDir::with_probe(m, probe);
    let mut env: Vec<(String, String)> = VARS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.extend([
        ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), otlp.endpoint.clone()),
        ("OTEL_BSP_SCHEDULE_DELAY".into(), "100".into()),
        ("OTEL_METRIC_EXPORT_INTERVAL".into(), "300".into()),
    ]);
    let host = SpinUp::start(bin, &app.manifest(), &[], &env).await;
    let who = format!("{who}, {}", probe.name());
    check(&host.base, &otlp, hook, probe, &who).await;
    if who.starts_with("redspin-host") {
        let all = format!("{:?}", otlp.spans());
        assert!(!all.contains("s3cret"), "{who}: no query exported");
    }
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_their_host_calls_are_exported_as_spin_exports_them() {
    let redis = TestRedis::start();
    let hook = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let m = manifest(redis.url(), &format!(", \"{}\"", hook.url)).replace(
        "sqlite_databases = [\"default\"]",
        "sqlite_databases = [\"default\"]\nkey_value_stores = [\"default\"]",
    );
    let ours = Path::new(env!("CARGO_BIN_EXE_redspin-host"));
    for probe in Probe::BOTH {
        run(ours, probe, &m, &hook, "redspin-host").await;
        if let Some(spin) = spin_for_calibration() {
            run(&spin, probe, &m, &hook, "real Spin").await;
        }
    }
}
