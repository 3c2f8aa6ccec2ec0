//! `redspin-worker`: parse the command line, set up logging, dispatch.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = redspin_worker::cli::Cli::parse();
    match redspin_worker::cli::dispatch(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "redspin-worker: {}",
                redspin_worker::cli::describe_error(&e)
            );
            std::process::ExitCode::FAILURE
        }
    }
}
