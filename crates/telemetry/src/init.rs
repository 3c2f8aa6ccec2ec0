//! Turning the environment's settings ([`crate::env`]) into exporters,
//! providers and a `tracing` layer.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{MetricExporter, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;

use crate::env::{self, Export, Protocol, Signal};
use crate::http::RuntimeClient;

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Env(#[from] env::EnvError),
    #[error("building the OTLP {0} exporter")]
    Exporter(
        &'static str,
        #[source] opentelemetry_otlp::ExporterBuildError,
    ),
    #[error("building the OTLP HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A layer for the process's `tracing` subscriber.
pub type ProcessLayer =
    Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>;

/// What [`init`] set up; [`Telemetry::shutdown`] flushes it.
pub struct Telemetry {
    /// The process's default service name, also its tracer's scope.
    pub scope: &'static str,
    pub tracer: Option<SdkTracerProvider>,
    pub meter: Option<SdkMeterProvider>,
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// Exporters for the signals the environment turns on (none: nothing is
/// exported and nothing is spent). Call inside the tokio runtime.
pub fn init(service: &'static str) -> Result<Telemetry, InitError> {
    init_from(service, &|n: &str| std::env::var(n).ok())
}

/// [`init`] with the variables from `get`.
pub fn init_from(
    service: &'static str,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Telemetry, InitError> {
    let name = get("OTEL_SERVICE_NAME")
        .filter(|s| !s.is_empty())
        .or_else(|| env::service_name_attribute(get("OTEL_RESOURCE_ATTRIBUTES")?.as_str()));
    let resource = Resource::builder()
        .with_service_name(name.unwrap_or_else(|| service.to_owned()))
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build();
    let tracer = match env::export(Signal::Traces, get)? {
        Some(e) => Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(span_exporter(&e)?)
                .with_resource(resource.clone())
                .build(),
        ),
        None => None,
    };
    let meter = match env::export(Signal::Metrics, get)? {
        Some(e) => Some(
            SdkMeterProvider::builder()
                .with_reader(PeriodicReader::builder(metric_exporter(&e)?).build())
                .with_resource(resource)
                .build(),
        ),
        None => None,
    };
    if let Some(m) = &meter {
        // Instruments come from `opentelemetry::global::meter`: a no-op
        // one until this is set.
        opentelemetry::global::set_meter_provider(m.clone());
    }
    Ok(Telemetry {
        scope: service,
        tracer,
        meter,
    })
}

/// How often metrics are exported, when they are
/// (`OTEL_METRIC_EXPORT_INTERVAL` in ms, 60 s by default, as the SDK reads
/// it): what samples a gauge that has no scrape to be read at.
pub fn metrics_export_interval() -> Option<Duration> {
    let get = |n: &str| std::env::var(n).ok();
    env::export(Signal::Metrics, &get).ok()??;
    let ms = get("OTEL_METRIC_EXPORT_INTERVAL").and_then(|v| v.trim().parse::<u64>().ok());
    Some(Duration::from_millis(
        ms.filter(|&m| m > 0).unwrap_or(60_000),
    ))
}

fn span_exporter(e: &Export) -> Result<SpanExporter, InitError> {
    let built = match e.protocol {
        Protocol::HttpProtobuf => SpanExporter::builder()
            .with_http()
            .with_endpoint(&e.endpoint)
            .with_headers(e.headers.iter().cloned().collect())
            .with_http_client(RuntimeClient::new(TIMEOUT).map_err(InitError::Client)?)
            .build(),
        Protocol::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(&e.endpoint)
            .with_timeout(TIMEOUT)
            .build(),
    };
    built.map_err(|err| InitError::Exporter("trace", err))
}

fn metric_exporter(e: &Export) -> Result<MetricExporter, InitError> {
    let built = match e.protocol {
        Protocol::HttpProtobuf => MetricExporter::builder()
            .with_http()
            .with_endpoint(&e.endpoint)
            .with_headers(e.headers.iter().cloned().collect())
            .with_http_client(RuntimeClient::new(TIMEOUT).map_err(InitError::Client)?)
            .build(),
        Protocol::Grpc => MetricExporter::builder()
            .with_tonic()
            .with_endpoint(&e.endpoint)
            .with_timeout(TIMEOUT)
            .build(),
    };
    built.map_err(|err| InitError::Exporter("metric", err))
}

impl Telemetry {
    /// A `tracing` layer sending spans to the trace exporter, if on.
    pub fn layer<S>(
        &self,
    ) -> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        let tracer = self.tracer.as_ref()?.tracer(self.scope);
        // As Spin's layer: no thread attributes (nor the target, which
        // Spin's version does not export).
        let layer = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_threads(false)
            .with_target(false);
        Some(layer)
    }

    /// [`Self::layer`] for a process's subscriber: spans and events at
    /// `info` and above (as Spin exports them), boxed.
    pub fn process_layer(&self) -> Option<ProcessLayer> {
        use tracing_subscriber::Layer;
        let layer = self
            .layer::<tracing_subscriber::Registry>()?
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
        Some(Box::new(layer))
    }

    /// [`Self::process_layer`] exporting as span events only the events
    /// of `target` and the failures `#[instrument(err)]` records (an
    /// `error` field alone): every span still goes out, no log line does.
    pub fn process_layer_events_of(&self, target: &'static str) -> Option<ProcessLayer> {
        use tracing_subscriber::filter::{filter_fn, FilterExt, LevelFilter};
        use tracing_subscriber::Layer;
        let error_only = |m: &tracing::Metadata| {
            let mut fields = m.fields().iter();
            fields.next().is_some_and(|f| f.name() == "error") && fields.next().is_none()
        };
        let events = filter_fn(move |m| m.is_span() || m.target() == target || error_only(m));
        let layer = self
            .layer::<tracing_subscriber::Registry>()?
            .with_filter(LevelFilter::INFO.and(events));
        Some(Box::new(layer))
    }

    /// Flushes and stops the exporters (off the runtime's threads: the
    /// exports themselves run on it).
    pub async fn shutdown(self) {
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(t) = self.tracer {
                let _ = t.shutdown();
            }
            if let Some(m) = self.meter {
                let _ = m.shutdown();
            }
        })
        .await;
    }
}
