//! # redspin-process
//!
//! What every redspin binary (`redspin-host`, `redspin-worker`) does the
//! same way at its edges:
//! - [`init_logging`]: human-readable logs on standard error, filtered by
//!   `RUST_LOG` (`info` when unset). A `RUST_LOG` that does not parse is an
//!   error naming it, never silently replaced by the default. Spans show
//!   in log lines ([`SpansInLogs::Shown`], the worker) or exist only for an
//!   exporter layer ([`SpansInLogs::Hidden`], the host).
//! - [`shutdown_signal`]: resolves on SIGINT or SIGTERM, so servers stop
//!   accepting and finish what they hold.

use tracing_subscriber::EnvFilter;

/// The log filter could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("RUST_LOG={value:?} is not a valid log filter")]
    Filter {
        value: String,
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("RUST_LOG is not valid UTF-8")]
    NotUnicode,
}

/// The filter for `rust_log` (the value of `RUST_LOG`, if set).
pub fn filter(rust_log: Option<&str>) -> Result<EnvFilter, LogError> {
    match rust_log {
        None => Ok(EnvFilter::new("info")),
        Some(value) => EnvFilter::try_new(value).map_err(|source| LogError::Filter {
            value: value.to_owned(),
            source,
        }),
    }
}

/// Sets up logging to standard error, filtered by `RUST_LOG`.
pub fn init_logging() -> Result<(), LogError> {
    init_logging_with(None)
}

/// A layer the subscriber also feeds (OpenTelemetry's, when exporting).
pub type ExtraLayer =
    Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>;

/// Whether log lines name the spans they happen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpansInLogs {
    /// Each line starts with its spans and their fields (the worker: a
    /// job's id on every line of its attempt).
    Shown,
    /// Lines carry their own fields only, and spans exist only for
    /// `extra` (the host: its spans are Spin's, for export; with no
    /// exporter they are never even created). Events with a lone `error`
    /// field, what a span records of a failed call, are for the exporter
    /// too: the host logs its failures in words of its own.
    Hidden,
}

/// [`init_logging`], with `extra` seeing every span and event its own
/// filter lets through (`RUST_LOG` filters the log lines only).
pub fn init_logging_with(extra: Option<ExtraLayer>) -> Result<(), LogError> {
    init_logging_as(extra, SpansInLogs::Shown)
}

/// [`init_logging_with`], choosing whether log lines show spans.
pub fn init_logging_as(extra: Option<ExtraLayer>, spans: SpansInLogs) -> Result<(), LogError> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let value = match std::env::var("RUST_LOG") {
        Ok(v) => Some(v),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => return Err(LogError::NotUnicode),
    };
    let filter = filter(value.as_deref())?;
    // Not `.with(extra)` for an `Option`: a `None` layer still enables
    // every callsite, and spans would be built for nobody.
    match extra {
        Some(extra) => {
            let log = log_layer(filter, spans);
            tracing_subscriber::registry().with(extra).with(log).init()
        }
        None => tracing_subscriber::registry()
            .with(log_layer(filter, spans))
            .init(),
    }
    Ok(())
}

/// Log lines on standard error, through `filter`; with spans hidden, only
/// events, and not the failures spans record.
fn log_layer<S>(
    filter: EnvFilter,
    spans: SpansInLogs,
) -> impl tracing_subscriber::Layer<S> + Send + Sync
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::filter::FilterExt;
    use tracing_subscriber::Layer;
    let events_only = tracing_subscriber::filter::filter_fn(move |m| {
        spans == SpansInLogs::Shown || (m.is_event() && !is_span_record(m))
    });
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter.and(events_only))
}

/// An event whose one field is `error`: a failure recorded on a span.
pub fn is_span_record(m: &tracing::Metadata) -> bool {
    let mut fields = m.fields().iter();
    fields.next().is_some_and(|f| f.name() == "error") && fields.next().is_none()
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("a SIGTERM handler installs");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        for (value, ok) in [
            (None, true),
            (Some("debug"), true),
            (Some("redspin_host=debug,warn"), true),
            (Some("info,[{"), false),
            (Some("=="), false),
        ] {
            let got = filter(value);
            assert_eq!(got.is_ok(), ok, "{value:?}: {got:?}");
            if let Err(e) = got {
                assert!(e.to_string().contains("RUST_LOG="), "{e}");
            }
        }
    }
}
