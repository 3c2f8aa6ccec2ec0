//! `redspin-worker`: parse the command line, set up logging, dispatch.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Err(e) = redspin_process::init_logging() {
        eprintln!("redspin-worker: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let cli = redspin_worker::cli::Cli::parse();
    match redspin_worker::cli::dispatch(cli).await {
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
