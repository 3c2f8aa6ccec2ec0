//! `redspin-worker`: parse the command line, set up logging (and
//! OpenTelemetry export when the OTEL_* variables ask for it), dispatch,
//! flush.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = redspin_worker::cli::Cli::parse();
    let telemetry = match redspin_telemetry::init::init(cli.service_name()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("redspin-worker: {}", redspin_core::error::Chain(&e));
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Err(e) = redspin_process::init_logging_with(telemetry.process_layer()) {
        eprintln!("redspin-worker: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let result = redspin_worker::cli::dispatch(cli).await;
    telemetry.shutdown().await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "redspin-worker: {}",
                redspin_worker::cli::describe_error(&e)
            );
            std::process::ExitCode::from(redspin_worker::cli::exit_code(&e))
        }
    }
}
