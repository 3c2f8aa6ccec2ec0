//! Each metric twice: in the Prometheus registry `/metrics` renders, and as
//! an OpenTelemetry instrument of the same name (exported over OTLP when
//! the OTEL_* variables say; a no-op otherwise).

use opentelemetry::metrics::Meter;
use opentelemetry::KeyValue;
use prometheus_client::metrics::{
    counter::Counter, family::Family, gauge::Gauge, histogram::Histogram,
};
use prometheus_client::registry::Registry;

use super::{DepthLabel, QueueLabel};

fn queue_attr(queue: &str) -> [KeyValue; 1] {
    [KeyValue::new("queue", queue.to_owned())]
}

fn label(queue: &str) -> QueueLabel {
    QueueLabel {
        queue: queue.to_owned(),
    }
}

/// A counter per queue.
#[derive(Clone)]
pub struct Count {
    prom: Family<QueueLabel, Counter>,
    otel: opentelemetry::metrics::Counter<u64>,
}

impl Count {
    /// `redspin_NAME` (`_total` in the Prometheus text, as its format has it).
    pub fn new(r: &mut Registry, meter: &Meter, name: &str, help: &'static str) -> Self {
        let prom = Family::default();
        r.register(name, help, prom.clone());
        let otel = meter
            .u64_counter(format!("redspin_{name}"))
            .with_description(help)
            .build();
        Self { prom, otel }
    }

    pub fn add(&self, queue: &str, n: u64) {
        self.prom.get_or_create(&label(queue)).inc_by(n);
        self.otel.add(n, &queue_attr(queue));
    }
}

type HistogramFamily = Family<QueueLabel, Histogram, fn() -> Histogram>;

/// 100 us to about 100 s, on both sides.
fn seconds_buckets() -> impl Iterator<Item = f64> {
    prometheus_client::metrics::histogram::exponential_buckets(0.0001, 2.5, 16)
}

fn seconds_histogram() -> Histogram {
    Histogram::new(seconds_buckets())
}

/// A histogram of seconds per queue.
#[derive(Clone)]
pub struct Seconds {
    prom: HistogramFamily,
    otel: opentelemetry::metrics::Histogram<f64>,
}

impl Seconds {
    /// `redspin_NAME` (unit `s`).
    pub fn new(r: &mut Registry, meter: &Meter, name: &str, help: &'static str) -> Self {
        let prom = HistogramFamily::new_with_constructor(seconds_histogram);
        r.register(name, help, prom.clone());
        let otel = meter
            .f64_histogram(format!("redspin_{name}"))
            .with_description(help)
            .with_unit("s")
            .with_boundaries(seconds_buckets().collect())
            .build();
        Self { prom, otel }
    }

    pub fn observe(&self, queue: &str, secs: f64) {
        self.prom.get_or_create(&label(queue)).observe(secs);
        self.otel.record(secs, &queue_attr(queue));
    }
}

/// Jobs per queue and state, as last read from Redis.
#[derive(Clone)]
pub struct Depth {
    prom: Family<DepthLabel, Gauge>,
    otel: opentelemetry::metrics::Gauge<i64>,
}

impl Depth {
    pub fn new(r: &mut Registry, meter: &Meter, name: &str, help: &'static str) -> Self {
        let prom = Family::default();
        r.register(name, help, prom.clone());
        let otel = meter
            .i64_gauge(format!("redspin_{name}"))
            .with_description(help)
            .build();
        Self { prom, otel }
    }

    pub fn set(&self, queue: &str, state: &'static str, n: u64) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let label = DepthLabel {
            queue: queue.to_owned(),
            state,
        };
        self.prom.get_or_create(&label).set(n);
        let attrs = [
            KeyValue::new("queue", queue.to_owned()),
            KeyValue::new("state", state),
        ];
        self.otel.record(n, &attrs);
    }
}
