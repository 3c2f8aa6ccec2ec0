//! The `redspin-host` command line: `up` and `build`, with Spin's flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::manifest::App;
use crate::runtime::{Options, Runtime};

#[derive(Debug, Parser)]
#[command(
    name = "redspin-host",
    version,
    about = "Run Spin applications locally on wasmtime"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Start the application (like `spin up`).
    Up(UpArgs),
    /// Build the components (like `spin build`).
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// The application manifest (a file, or a directory holding spin.toml).
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    pub from: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Runtime configuration: key-value stores and SQLite databases (as `spin up --runtime-config-file`).
    #[arg(long = "runtime-config-file")]
    pub runtime_config_file: Option<PathBuf>,
    /// SQL run before serving (repeatable): `@FILE[:LABEL]` runs a file (relative to the working directory) against database LABEL (default `default`); anything else is one statement against `default`.
    #[arg(long = "sqlite")]
    pub sqlite: Vec<String>,
    /// Environment variable for every component, KEY=VALUE (repeatable).
    #[arg(short = 'e', long = "env", value_parser = parse_kv)]
    pub env: Vec<(String, String)>,
    /// Application variable, NAME=VALUE (repeatable; wins over SPIN_VARIABLE_NAME).
    #[arg(long = "variable", value_parser = parse_kv)]
    pub variables: Vec<(String, String)>,
    /// Longest time one request may take (ms).
    #[arg(long, default_value_t = 30_000)]
    pub request_timeout_ms: u64,
    /// Largest request body accepted (bytes).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest wait for the next piece of a request body (ms); 408 beyond.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout_ms: u64,
    /// Longest a whole request body may take to arrive (ms); 408 beyond.
    #[arg(long, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout_ms: u64,
    /// Redis connections kept open at once, by all requests together (held and idle).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_redis_connections: u64,
    /// How long in-flight requests may finish at shutdown (ms).
    #[arg(long, default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,
    /// Longest wait for a request's headers, and for the next request on an idle connection (ms).
    #[arg(long, default_value_t = 10_000)]
    pub header_read_timeout_ms: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    pub from: PathBuf,
    /// Build only these components (repeatable).
    #[arg(short = 'c', long = "component-id")]
    pub components: Vec<String>,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))
}

fn manifest_path(from: &Path) -> PathBuf {
    if from.is_dir() {
        from.join("spin.toml")
    } else {
        from.to_owned()
    }
}

/// Compiling components allocates tens of MiB that are freed once loading
/// ends, but glibc keeps freed heap pages resident; hand them back, so the
/// server runs at its working size (measured: 43 MiB resident without this
/// after a first start, 18 MiB with it).
fn release_startup_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it
    // touches no memory the program holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Cmd::Up(args) => up(args).await,
        Cmd::Build(args) => build(args),
    }
}

async fn up(args: UpArgs) -> anyhow::Result<()> {
    let path = manifest_path(&args.from);
    let app = App::load(&path)?;
    let options = Options {
        request_timeout: Duration::from_millis(args.request_timeout_ms),
        max_body_bytes: args.max_body_bytes,
        body_read_timeout: Duration::from_millis(args.body_read_timeout_ms),
        body_timeout: Duration::from_millis(args.body_timeout_ms),
        max_redis_connections: usize::try_from(args.max_redis_connections)
            .context("--max-redis-connections is out of range")?,
        sqlite_statements: args.sqlite,
        env: args.env,
        runtime_config_file: args.runtime_config_file,
        ..Options::default()
    };
    let overrides = args.variables;
    let env = move |key: &str| {
        overrides
            .iter()
            .find(|(k, _)| format!("SPIN_VARIABLE_{}", k.to_ascii_uppercase()) == key)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(key).ok())
    };
    let started = std::time::Instant::now();
    let runtime = tokio::task::block_in_place(|| Runtime::load(&app, options, env))?;
    release_startup_memory();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::debug!(?started, "loaded in {:?}", started.elapsed());
    println!("Serving http://{addr}");
    println!("Available Routes:");
    for (route, component) in runtime.router().routes() {
        match route.strip_suffix("/...") {
            Some(prefix) => println!("  {component}: http://{addr}{prefix} (wildcard)"),
            None => println!("  {component}: http://{addr}{route}"),
        }
    }
    let limits = crate::server::Limits {
        header_read_timeout: Duration::from_millis(args.header_read_timeout_ms),
        max_connections: args.max_connections,
    };
    anyhow::ensure!(
        limits.max_connections > 0,
        "--max-connections must be at least 1"
    );
    crate::server::serve_with(
        listener,
        Arc::new(runtime),
        redspin_process::shutdown_signal(),
        Duration::from_millis(args.shutdown_grace_ms),
        limits,
    )
    .await?;
    Ok(())
}

fn build(args: BuildArgs) -> anyhow::Result<()> {
    let path = manifest_path(&args.from);
    let app = App::load(&path)?;
    for id in &args.components {
        anyhow::ensure!(
            app.components.contains_key(id),
            "no component {id:?} in {}",
            path.display()
        );
    }
    for c in app.components.values() {
        if !args.components.is_empty() && !args.components.contains(&c.id) {
            continue;
        }
        let Some(b) = &c.build else {
            println!("Component {} has no build command", c.id);
            continue;
        };
        let workdir = b
            .workdir
            .as_deref()
            .map(|w| app.dir.join(w))
            .unwrap_or_else(|| app.dir.clone());
        for command in b.command.commands() {
            println!("Building component {} with `{command}`", c.id);
            if b.workdir.is_some() {
                println!("Working directory: {:?}", workdir.display().to_string());
            }
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(&workdir)
                .status()
                .with_context(|| format!("cannot run the build command of {}", c.id))?;
            anyhow::ensure!(
                status.success(),
                "Build command for component {} failed with status {status}",
                c.id
            );
        }
    }
    println!("Finished building all Spin components");
    Ok(())
}
