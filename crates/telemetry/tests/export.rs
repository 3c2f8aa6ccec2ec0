//! Spans reach an OTLP/HTTP receiver the test runs, decoded with the OTLP
//! types; with no endpoint set nothing is set up.

use redspin_testsupport::otlp::OtlpReceiver;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_http() {
    let receiver = OtlpReceiver::start().await;
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.clone()),
        ("OTEL_SERVICE_NAME", "telemetry-test".to_owned()),
    ];
    let get = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone());
    let telemetry = redspin_telemetry::init::init_from("redspin-test", &get).unwrap();
    let subscriber = tracing_subscriber::registry().with(telemetry.layer());
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("job", otel.kind = "consumer", messaging.message.id = "j-1");
        span.in_scope(|| tracing::info!("inside"));
    });
    telemetry.shutdown().await;
    let spans = receiver.spans();
    let job = spans
        .iter()
        .find(|s| s.span.name == "job")
        .expect("the span arrived");
    assert_eq!(job.service, "telemetry-test");
    assert_eq!(job.attr("messaging.message.id").as_deref(), Some("j-1"));
    assert_eq!(job.span.kind, 5, "CONSUMER");
    assert_eq!(job.trace_id_hex().len(), 32);
}

#[tokio::test]
async fn nothing_is_set_up_without_an_endpoint() {
    let t = redspin_telemetry::init::init_from("redspin-test", &|_: &str| None).unwrap();
    assert!(
        t.tracer.is_none()
            && t.meter.is_none()
            && t.layer::<tracing_subscriber::Registry>().is_none()
    );
    let disabled = |n: &str| match n {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:1".to_owned()),
        "OTEL_SDK_DISABLED" => Some("true".to_owned()),
        _ => None,
    };
    let t = redspin_telemetry::init::init_from("redspin-test", &disabled).unwrap();
    assert!(t.tracer.is_none() && t.meter.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_span_continues_the_trace_of_a_traceparent() {
    use redspin_telemetry::propagation::{self, W3c};
    let receiver = OtlpReceiver::start().await;
    let vars = [("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.clone())];
    let get = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone());
    let telemetry = redspin_telemetry::init::init_from("redspin-test", &get).unwrap();
    let subscriber = tracing_subscriber::registry().with(telemetry.layer());
    let incoming = W3c {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        tracestate: Some("vendor=1".into()),
    };
    let outgoing = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("attempt");
        propagation::set_parent(&span, Some(&incoming));
        let out = propagation::of(&span).unwrap();
        assert_eq!(
            propagation::trace_id(&span).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        out
    });
    telemetry.shutdown().await;
    assert!(
        outgoing
            .traceparent
            .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{outgoing:?}"
    );
    assert!(
        !outgoing.traceparent.contains("00f067aa0ba902b7"),
        "a span of its own"
    );
    assert_eq!(outgoing.tracestate.as_deref(), Some("vendor=1"));
    let span = receiver
        .spans()
        .into_iter()
        .find(|s| s.span.name == "attempt")
        .unwrap();
    assert_eq!(span.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        span.span.parent_span_id,
        vec![0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]
    );
}
