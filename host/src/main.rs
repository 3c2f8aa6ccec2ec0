//! `redspin-host`: parse the command line, set up logging, run.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Err(e) = redspin_process::init_logging() {
        eprintln!("Error: {e}");
        return std::process::ExitCode::FAILURE;
    }
    match redspin_host::cli::run(redspin_host::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
