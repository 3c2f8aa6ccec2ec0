//! OpenTelemetry across the queue: a job enqueued with a `traceparent`
//! runs in a CONSUMER span of that trace (exported over OTLP/HTTP to a
//! receiver that decodes it), and its webhook carries that span's context.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use redspin_core::NewJob;
use redspin_testsupport::otlp::OtlpReceiver;
use redspin_testsupport::TestRedis;
use serde_json::json;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_in_its_producers_trace_and_passes_it_on() {
    let redis = TestRedis::start();
    let otlp = OtlpReceiver::start().await;
    let hook = Receiver::start(|_| (200, vec![], Duration::ZERO)).await;
    let client = client(&redis).await;
    let traced = NewJob::new("webhook", json!({"url": hook.url}))
        .delay_ms(300)
        .traced(Some(&format!("00-{TRACE}-{PARENT}-01")), Some("vendor=7"));
    let (job, _) = client.enqueue("default", traced).await.unwrap();
    let (plain, _) = client
        .enqueue("default", NewJob::new("webhook", json!({"url": hook.url})))
        .await
        .unwrap();
    let _w = Proc(
        Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args(["run", "--webhook-allow-private"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &otlp.endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "300")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_done(&client, "default", 2).await;
    let span_of = |id: &str| {
        otlp.spans()
            .into_iter()
            .find(|s| s.attr("messaging.message.id").as_deref() == Some(id))
    };
    let span = eventually(WAIT, "the job's span exported", || async {
        span_of(&job.id)
    })
    .await;
    assert_eq!(span.service, "redspin-worker");
    assert_eq!(span.span.name, "process default");
    assert_eq!(span.span.kind, 5, "CONSUMER");
    assert_eq!(span.trace_id_hex(), TRACE);
    assert_eq!(hex(&span.span.parent_span_id), PARENT);
    for (key, want) in [
        ("messaging.system", "redspin"),
        ("messaging.destination.name", "default"),
        ("messaging.operation.type", "process"),
        ("redspin.job.type", "webhook"),
        ("redspin.job.attempt", "1"),
        ("redspin.outcome", "done"),
    ] {
        assert_eq!(span.attr(key).as_deref(), Some(want), "{key}");
    }
    let promoted: Vec<_> = span.span.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(promoted, ["promoted"], "it waited in the delay queue");

    let sent = hook
        .received()
        .into_iter()
        .find(|r| r.headers["idempotency-key"] == job.id)
        .unwrap();
    let own = format!("00-{TRACE}-{}-01", hex(&span.span.span_id));
    assert_eq!(
        sent.headers.get("traceparent"),
        Some(&own),
        "the attempt's span"
    );
    assert_eq!(
        sent.headers.get("tracestate").map(String::as_str),
        Some("vendor=7")
    );

    let other = eventually(WAIT, "the plain job's span", || async {
        span_of(&plain.id)
    })
    .await;
    assert_ne!(
        other.trace_id_hex(),
        TRACE,
        "a job without context starts a trace"
    );
    assert!(other.span.parent_span_id.is_empty());
    assert!(other.span.events.is_empty(), "not delayed: no promotion");

    // The metrics `/metrics` has, under the same names, over OTLP.
    for name in [
        "redspin_jobs_processed",
        "redspin_handler_duration_seconds",
        "redspin_job_lateness_seconds",
        "redspin_queue_depth",
    ] {
        eventually(WAIT, name, || async {
            otlp.metric_names().iter().any(|n| n == name).then_some(())
        })
        .await;
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `redspin-worker dashboard` exports a SERVER span per request, named
/// after the route, with neither the path's job id nor the query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_exports_a_span_per_request_named_by_route() {
    let redis = TestRedis::start();
    let otlp = OtlpReceiver::start().await;
    let port = redspin_testsupport::free_port();
    let _d = Proc(
        Command::new(env!("CARGO_BIN_EXE_redspin-worker"))
            .args(["--redis-url", redis.url(), "--prefix", &redis.prefix])
            .args(["dashboard", "--listen", &format!("127.0.0.1:{port}")])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &otlp.endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}/api/jobs/secret-job-id?q=s3cret");
    let status = eventually(WAIT, "the dashboard answers", || async {
        reqwest::get(&url).await.ok().map(|r| r.status().as_u16())
    })
    .await;
    assert_eq!(status, 404);
    let span = eventually(WAIT, "the request's span", || async {
        otlp.spans().into_iter().find(|s| s.span.kind == 2)
    })
    .await;
    assert_eq!(span.service, "redspin-dashboard");
    assert_eq!(span.span.name, "GET /api/jobs/{id}");
    assert_eq!(
        span.attr("http.response.status_code").as_deref(),
        Some("404")
    );
    let all = format!("{:?}", otlp.spans());
    assert!(
        !all.contains("secret-job-id") && !all.contains("s3cret"),
        "{all}"
    );
}
