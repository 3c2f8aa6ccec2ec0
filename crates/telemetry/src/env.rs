//! The OTLP settings from the environment, decided as Spin 4.0.2 decides
//! them (its `crates/telemetry/src/env.rs`): a signal is exported when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` or its own `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`
//! is set and not empty, unless `OTEL_SDK_DISABLED` is set and not empty
//! (any value: Spin reads it so); the protocol is the signal's own
//! `..._PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`;
//! an unknown protocol falls back to `http/protobuf` with a warning, and
//! `http/json` is an error. Endpoints: a signal's own endpoint is used as
//! given, the general one gets `/v1/traces` or `/v1/metrics` appended for
//! HTTP and nothing for gRPC. Headers: the signal's, else the general
//! `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values percent-decoded).

/// A telemetry signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Traces,
    Metrics,
}

impl Signal {
    fn upper(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Metrics => "METRICS",
        }
    }
    fn path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
        }
    }
}

/// How exports travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    HttpProtobuf,
    Grpc,
}

/// Where and how one signal is exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub endpoint: String,
    pub protocol: Protocol,
    pub headers: Vec<(String, String)>,
    /// A protocol value that was not understood (exported as
    /// `http/protobuf`; the caller warns once).
    pub unknown_protocol: Option<String>,
}

/// A setting that cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("{0}: the http/json OTLP protocol is not supported (use http/protobuf or grpc)")]
    HttpJson(String),
    #[error("{0} is not a list of key=value pairs")]
    Headers(String),
}

/// The export of `signal`, `None` when it is off.
pub fn export(
    signal: Signal,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Export>, EnvError> {
    let set = |name: &str| get(name).filter(|v| !v.is_empty());
    if set("OTEL_SDK_DISABLED").is_some() {
        return Ok(None);
    }
    let own = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.upper());
    let general = set("OTEL_EXPORTER_OTLP_ENDPOINT");
    let own_endpoint = set(&own);
    if own_endpoint.is_none() && general.is_none() {
        return Ok(None);
    }
    let (protocol, unknown_protocol) = protocol(signal, get)?;
    let endpoint = match (own_endpoint, general) {
        (Some(e), _) => e,
        (None, Some(g)) if protocol == Protocol::Grpc => g,
        (None, Some(g)) => format!("{}{}", g.trim_end_matches('/'), signal.path()),
        (None, None) => unreachable!("checked above"),
    };
    Ok(Some(Export {
        endpoint,
        protocol,
        headers: headers(signal, get)?,
        unknown_protocol,
    }))
}

fn protocol(
    signal: Signal,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(Protocol, Option<String>), EnvError> {
    let own = format!("OTEL_EXPORTER_OTLP_{}_PROTOCOL", signal.upper());
    let (name, value) = match get(&own) {
        Some(v) => (own, v),
        None => match get("OTEL_EXPORTER_OTLP_PROTOCOL") {
            Some(v) => ("OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(), v),
            None => return Ok((Protocol::HttpProtobuf, None)),
        },
    };
    match value.as_str() {
        "grpc" => Ok((Protocol::Grpc, None)),
        "http/protobuf" => Ok((Protocol::HttpProtobuf, None)),
        "http/json" => Err(EnvError::HttpJson(name)),
        _ => Ok((Protocol::HttpProtobuf, Some(value))),
    }
}

fn headers(
    signal: Signal,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, EnvError> {
    let own = format!("OTEL_EXPORTER_OTLP_{}_HEADERS", signal.upper());
    let (name, raw) = match get(&own) {
        Some(v) => (own, v),
        None => match get("OTEL_EXPORTER_OTLP_HEADERS") {
            Some(v) => ("OTEL_EXPORTER_OTLP_HEADERS".to_owned(), v),
            None => return Ok(Vec::new()),
        },
    };
    let mut out = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(EnvError::Headers(name));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(EnvError::Headers(name));
        }
        out.push((k.to_owned(), percent_decode(v.trim())));
    }
    Ok(out)
}

/// `service.name` in `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k=v`), Spin's
/// second choice after `OTEL_SERVICE_NAME`.
pub fn service_name_attribute(attributes: &str) -> Option<String> {
    attributes.split(',').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let v = percent_decode(v.trim());
        (k.trim() == "service.name" && !v.is_empty()).then_some(v)
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Vars<'a> = &'a [(&'a str, &'a str)];
    type Want<'a> = Option<(&'a str, Protocol)>;

    fn run(signal: Signal, vars: Vars) -> Result<Option<Export>, EnvError> {
        export(signal, &|n: &str| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn signals_are_on_when_an_endpoint_is_set_and_the_sdk_is_not_disabled() {
        let cases: [(Vars, Signal, Want); 9] = [
            (&[], Signal::Traces, None),
            (&[("OTEL_EXPORTER_OTLP_ENDPOINT", "")], Signal::Traces, None),
            (
                &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")],
                Signal::Traces,
                Some(("http://c:4318/v1/traces", Protocol::HttpProtobuf)),
            ),
            (
                &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")],
                Signal::Metrics,
                Some(("http://c:4318/v1/metrics", Protocol::HttpProtobuf)),
            ),
            (
                &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/x")],
                Signal::Traces,
                Some(("http://t:1/x", Protocol::HttpProtobuf)),
            ),
            (
                &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:1/x")],
                Signal::Metrics,
                None,
            ),
            (
                &[
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ],
                Signal::Traces,
                Some(("http://c:4317", Protocol::Grpc)),
            ),
            (
                &[
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                    ("OTEL_SDK_DISABLED", "false"),
                ],
                Signal::Traces,
                None,
            ),
            (
                &[
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                    ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf"),
                ],
                Signal::Metrics,
                Some(("http://c:4317/v1/metrics", Protocol::HttpProtobuf)),
            ),
        ];
        for (vars, signal, want) in cases {
            let got = run(signal, vars).unwrap();
            let got = got.as_ref().map(|e| (e.endpoint.as_str(), e.protocol));
            assert_eq!(got, want, "{vars:?} {signal:?}");
        }
    }

    #[test]
    fn protocols_and_headers_as_spin_reads_them() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
        let e = run(
            Signal::Traces,
            &[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (e.protocol, e.unknown_protocol.as_deref()),
            (Protocol::HttpProtobuf, Some("carrier-pigeon"))
        );
        let e = run(
            Signal::Traces,
            &[base, ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")],
        );
        assert_eq!(
            e,
            Err(EnvError::HttpJson(
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL".into()
            ))
        );
        let e = run(
            Signal::Traces,
            &[
                base,
                (
                    "OTEL_EXPORTER_OTLP_HEADERS",
                    "api-key=s3cr%3Dt, x-tenant = a ",
                ),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            e.headers,
            vec![
                ("api-key".into(), "s3cr=t".into()),
                ("x-tenant".into(), "a".into())
            ]
        );
        let e = run(
            Signal::Metrics,
            &[
                base,
                ("OTEL_EXPORTER_OTLP_HEADERS", "a=1"),
                ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "b=2"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.headers, vec![("b".into(), "2".into())]);
        let e = run(
            Signal::Traces,
            &[base, ("OTEL_EXPORTER_OTLP_HEADERS", "novalue")],
        );
        assert_eq!(
            e,
            Err(EnvError::Headers("OTEL_EXPORTER_OTLP_HEADERS".into()))
        );
        assert!(!EnvError::Headers("X".into())
            .to_string()
            .contains("novalue"));
    }

    #[test]
    fn the_service_name_may_come_from_the_resource_attributes() {
        let cases = [
            ("", None),
            ("service.name=shop", Some("shop")),
            ("a=1, service.name = my%20app ,b=2", Some("my app")),
            ("service.name=", None),
            ("service.namespace=x", None),
        ];
        for (attrs, want) in cases {
            assert_eq!(service_name_attribute(attrs).as_deref(), want, "{attrs:?}");
        }
    }
}
