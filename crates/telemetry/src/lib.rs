//! # redspin-telemetry
//!
//! OpenTelemetry for the native processes (`redspin-host`, `redspin-worker
//! run`, `redspin-worker dashboard`), configured only by the standard
//! variables, read the way Spin 4.0.2 reads them.
//!
//! ## Layout
//! - [`env`]: which signals are on, where they go and how (pure logic).
//! - [`init`]: exporters, providers and the `tracing` layer.
//! - [`http`]: the OTLP/HTTP client (reqwest on the process's runtime).
//! - [`propagation`]: W3C trace context in and out of spans.

pub mod env;
pub mod http;
pub mod init;
pub mod propagation;
