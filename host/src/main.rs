//! `redspin-host`: parse the command line, set up logging (and
//! OpenTelemetry export when the OTEL_* variables ask for it, with
//! Spin's default service name), run, flush.

use clap::Parser;
use redspin_process::SpansInLogs;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = redspin_host::cli::Cli::parse();
    let telemetry = match redspin_telemetry::init::init("spin") {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: {:#}", anyhow::Error::new(e));
            return std::process::ExitCode::FAILURE;
        }
    };
    let layer = telemetry.process_layer_events_of(redspin_host::telemetry::EVENTS);
    if let Err(e) = redspin_process::init_logging_as(layer, SpansInLogs::Hidden) {
        eprintln!("Error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let result = redspin_host::cli::run(cli).await;
    telemetry.shutdown().await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
