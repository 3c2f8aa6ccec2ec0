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
