//! One trace from the edge request through the queue to the webhook, as
//! an operator's collector receives it: the host (`redspin-host` or real
//! Spin, each as its own process) and `redspin-worker run` export OTLP to
//! a receiver that decodes the protobuf.

use std::process::{Command, Stdio};
use std::time::Duration;

use redspin_testsupport::eventually;
use redspin_testsupport::otlp::{OtlpReceiver, ReceivedSpan};
use redspin_testsupport::receiver::Receiver;
use serde_json::json;

use crate::common::{send, Manifest, TestApp, ADMIN};
use crate::hosts::{workspace_bin, HostKind, Process};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
const WAIT: Duration = Duration::from_secs(30);

/// The variables both processes get: export there, soon.
fn otel_env(otlp: &OtlpReceiver) -> Vec<(String, String)> {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Kills the worker when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn find<'a>(spans: &'a [ReceivedSpan], name: &str) -> Option<&'a ReceivedSpan> {
    spans.iter().find(|s| s.span.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_one_trace_from_the_request_to_its_webhook() {
    let otlp = OtlpReceiver::start().await;
    let process = Process {
        env: otel_env(&otlp),
    };
    let app = TestApp::start_as(&[], Some(process)).await;
    let hook = Receiver::start(|_| (204, vec![], Duration::ZERO)).await;
    let _worker = Killed(
        Command::new(workspace_bin("redspin-worker"))
            .args([
                "--redis-url",
                app.redis.url(),
                "--prefix",
                &app.redis.prefix,
            ])
            .args(["run", "--webhook-allow-private"])
            .envs(otel_env(&otlp))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (s, _, b) = send(
        app.client
            .post(app.url("/tasks?token=s3cret"))
            .bearer_auth(ADMIN)
            .header("traceparent", format!("00-{TRACE}-{PARENT}-01"))
            .json(&json!({"type": "webhook", "payload": {"url": format!("{}/hook", hook.url)}})),
    )
    .await;
    assert_eq!(s, 202, "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    let (_, _, status) = send(
        app.client
            .get(app.url(&format!("/tasks/{id}")))
            .bearer_auth(ADMIN),
    )
    .await;
    assert_eq!(status["trace_id"], TRACE, "{status}");

    // The worker's attempt, in the request's trace.
    let job = eventually(WAIT, "the job's span exported", || async {
        let spans = otlp.spans();
        let id = Some(id.as_str());
        spans
            .into_iter()
            .find(|s| s.attr("messaging.message.id").as_deref() == id)
    })
    .await;
    assert_eq!(
        (job.service.as_str(), job.span.name.as_str()),
        ("redspin-worker", "process default")
    );
    assert_eq!(job.trace_id_hex(), TRACE);
    assert_eq!(job.span.kind, 5, "CONSUMER");

    // The webhook carries the attempt's context.
    let hit = eventually(WAIT, "the webhook arrives", || async {
        hook.received().first().cloned()
    })
    .await;
    let want = format!("00-{TRACE}-{}-01", hex(&job.span.span_id));
    assert_eq!(hit.headers.get("traceparent"), Some(&want));

    // The host's spans: the SERVER span continues the client's trace,
    // the component runs inside it, its Redis commands inside that. (Spin
    // 4.0.2 starts each host call of a spin-sdk 6 component in a trace of
    // its own: there they are looked for in any trace.)
    let detached = matches!(HostKind::from_env(), HostKind::Spin(_))
        && Manifest::from_env() == Manifest::Spin4;
    let ours = |s: &ReceivedSpan| s.service == "spin" && (detached || s.trace_id_hex() == TRACE);
    let spans = eventually(WAIT, "the host's Redis spans exported", || async {
        let spans: Vec<_> = otlp.spans().into_iter().filter(ours).collect();
        let server = spans.iter().any(|s| s.span.name == "POST /tasks/...");
        let redis = spans
            .iter()
            .any(|s| s.span.name == "EVALSHA" || s.span.name == "EVAL");
        (server && redis).then_some(spans)
    })
    .await;
    let names: Vec<_> = spans.iter().map(|s| s.span.name.as_str()).collect();
    let server = find(&spans, "POST /tasks/...").unwrap();
    assert_eq!(server.span.kind, 2, "SERVER");
    assert_eq!(hex(&server.span.parent_span_id), PARENT);
    for (key, want) in [
        ("http.request.method", "POST"),
        ("http.route", "/tasks/..."),
        ("http.response.status_code", "202"),
        ("network.protocol.name", "http"),
        ("network.peer.address", "127.0.0.1"),
    ] {
        assert_eq!(server.attr(key).as_deref(), Some(want), "{key}");
    }
    let execute = find(&spans, "execute_wasm_component tasks").expect("the execute span");
    assert_eq!(execute.span.parent_span_id, server.span.span_id);
    let redis: Vec<_> = spans
        .iter()
        .filter(|s| s.attr("db.system").as_deref() == Some("redis"))
        .collect();
    assert!(redis.iter().all(|s| s.span.kind == 3), "CLIENT: {names:?}");
    assert!(
        find(&spans, "spin_outbound_redis.open_connection").is_some(),
        "{names:?}"
    );
    let var = find(&spans, "spin_variables.get").expect("a variable read");
    assert!(var.attr("key").is_some());
    if HostKind::from_env() == HostKind::RedspinHost {
        // Safer than Spin: no path or query, no command arguments.
        let all = format!("{:?}", otlp.spans());
        assert!(!all.contains("s3cret"), "the query is not exported");
        assert!(server.attr("url.path").is_none() && server.attr("url.query").is_none());
        assert!(redis.iter().all(|s| s.attr("arguments").is_none()));
        let failed = redis.iter().flat_map(|s| &s.span.events);
        assert!(
            failed.clone().all(|e| e.name == "exception"),
            "only failures become events: {:?}",
            failed.collect::<Vec<_>>()
        );
    }

    // `spin.request_count`, from the host's meter.
    eventually(WAIT, "the host's request count exported", || async {
        let names = otlp.metric_names();
        names
            .iter()
            .any(|n| n == "spin.request_count")
            .then_some(())
    })
    .await;
    app.stop().await;
}
