//! The host's logging ([`SpansInLogs::Hidden`]) with no exporter layer:
//! spans are never created (what makes telemetry free when it is off),
//! events still are. One test per binary: it installs the global
//! subscriber.

use redspin_process::{init_logging_as, SpansInLogs};

#[test]
fn without_an_exporter_hidden_spans_are_not_even_created() {
    init_logging_as(None, SpansInLogs::Hidden).unwrap();
    let span = tracing::info_span!("spin_trigger_http.handle_http_request", n = 1);
    assert!(span.is_disabled());
    assert!(tracing::event_enabled!(tracing::Level::INFO));
    assert!(
        !tracing::event_enabled!(tracing::Level::INFO, error),
        "a span's failure record is not a log line"
    );
    if std::env::var_os("RUST_LOG").is_none() {
        assert!(
            !tracing::event_enabled!(tracing::Level::DEBUG),
            "info by default"
        );
    }
}
