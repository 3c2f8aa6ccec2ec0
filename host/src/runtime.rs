//! The loaded application: components compiled and pre-instantiated at
//! start-up, and [`Runtime::handle`], which serves one request in a new
//! `Store`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full};
use hyper::{body::Incoming, Request, Response, StatusCode};
use wasmtime::component::ResourceTable;
use wasmtime::Engine;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::WasiHttpCtx;

use crate::body::{self, BodyError, BodyLimits};
use crate::deadline::Deadline;
use crate::engine::EPOCH_TICK;
use crate::engines::Engines;
use crate::guest::Run;
use crate::handler::Handler;
use crate::load;
use anyhow::Context;

use crate::kv::Stores;
use crate::manifest::App;
use crate::redis::pool::RedisPool;
use crate::routing::Router;
use crate::runtime_config::RuntimeConfig;
use crate::spin_http::OutboundHooks;
use crate::sqlite::Databases;
use crate::state::{ComponentEnv, HostState, Services};
use crate::telemetry;
use crate::tls::TlsConfigs;
use crate::variables::Resolved;
use crate::well_known;
use tracing::Instrument;

/// How long past a request's own limit its connection is dropped: the
/// guest's timeout fires (and is logged) first.
const DEADLINE_SLACK: Duration = Duration::from_secs(1);

/// Paths under this prefix are the host's, never a component's.
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

pub type Body = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// Runtime settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest a request may run (CPU and waiting), from start to response.
    pub request_timeout: Duration,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Longest wait for the next piece of a request body (408 beyond).
    pub body_read_timeout: Duration,
    /// Longest a whole request body may take to arrive (408 beyond).
    pub body_timeout: Duration,
    /// Redis connections the host keeps open at once, held and idle.
    pub max_redis_connections: usize,
    /// Largest linear memory one request may grow to.
    pub max_memory_bytes: usize,
    /// Concurrent instances the pooling allocator reserves.
    pub pool_size: u32,
    /// Compiled components are cached here.
    pub cache_dir: Option<PathBuf>,
    /// SQL run against the `default` database at start-up (`@file` or text).
    pub sqlite_statements: Vec<String>,
    /// Extra environment for every component (`--env KEY=VALUE`).
    pub env: Vec<(String, String)>,
    /// `--runtime-config-file`: stores and databases beyond the defaults.
    pub runtime_config_file: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            body_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_redis_connections: crate::redis::pool::DEFAULT_MAX_TOTAL,
            max_memory_bytes: 512 * 1024 * 1024,
            pool_size: 256,
            cache_dir: None,
            sqlite_statements: Vec::new(),
            env: Vec::new(),
            runtime_config_file: None,
        }
    }
}

struct Loaded {
    /// The engine it was compiled for (see [`crate::engines`]).
    engine: Engine,
    handler: Handler,
    env: Arc<ComponentEnv>,
    /// `spin.request_count`'s attributes for this component.
    counted: [opentelemetry::KeyValue; 3],
}

/// An application ready to serve.
pub struct Runtime {
    app_name: String,
    app_version: Option<String>,
    self_origin: std::sync::OnceLock<http::uri::Authority>,
    router: Router,
    components: HashMap<String, Loaded>,
    services: Arc<Services>,
    options: Options,
    requests: telemetry::RequestCounter,
}

impl Runtime {
    /// Loads `app`: resolves variables (from `env`), checks sources, opens
    /// databases and stores, runs start-up SQL, compiles and
    /// pre-instantiates every component. Every failure names its cause.
    pub fn load(
        app: &App,
        options: Options,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        app.check_sources()?;
        let manifest = app.path.display().to_string();
        let vars = Resolved::resolve(&app.variables, env).context(manifest.clone())?;
        let router = Router::build(&app.routes)
            .map_err(anyhow::Error::msg)
            .context(manifest)?;
        let config = match &options.runtime_config_file {
            Some(file) => RuntimeConfig::load(file, &app.dir)?,
            None => RuntimeConfig::defaults(&app.dir),
        };
        let sqlite = Databases::open(&config.sqlite)?;
        load::run_startup_sql(&sqlite, &options.sqlite_statements)?;
        let blocked = Arc::new(config.blocked.clone());
        let tls = Arc::new(TlsConfigs::build(&config.client_tls)?);
        let redis = Arc::new(RedisPool::new(
            options.max_redis_connections,
            blocked.clone(),
        ));
        let kv = Stores::open(&config.key_value, &redis)?;
        let mut engines = Engines::new(options.pool_size, options.max_memory_bytes);
        let cache_dir = options
            .cache_dir
            .clone()
            .unwrap_or_else(|| app.dir.join(".spin/cache"));
        let mut components = HashMap::new();
        for c in app.components.values() {
            let place = format!("component {:?}", c.id);
            load::check_labels(c, &sqlite, &kv).context(place.clone())?;
            let env = load::component_env(c, &vars, &options.env).context(place.clone())?;
            let (engine, pre) = engines.load(&c.source, &cache_dir).context(place.clone())?;
            let handler = Handler::find(pre).context(place.clone())?;
            tracing::debug!(component = %c.id, generation = handler.generation(), "loaded");
            components.insert(
                c.id.clone(),
                Loaded {
                    engine,
                    handler,
                    env: Arc::new(env),
                    counted: telemetry::RequestCounter::attributes(&app.name, &c.id),
                },
            );
        }
        Ok(Self {
            app_name: app.name.clone(),
            app_version: app.version.clone(),
            self_origin: std::sync::OnceLock::new(),
            router,
            components,
            services: Arc::new(Services {
                redis,
                sqlite,
                kv,
                blocked,
                tls,
            }),
            options,
            requests: telemetry::RequestCounter::new(),
        })
    }

    /// Where the app is served: the origin of requests to the app itself.
    pub fn set_self_origin(&self, addr: SocketAddr) {
        if let Ok(a) = http::uri::Authority::try_from(addr.to_string()) {
            let _ = self.self_origin.set(a);
        }
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Serves one request, moving the connection's `deadline` along (see
    /// [`crate::deadline`]).
    ///
    /// The host's own answers are Spin's: `/.well-known/spin/health` and
    /// `/.well-known/spin/info` before any route, 404 and 500 with an empty
    /// body. A body over `max_body_bytes` is refused with an empty 413, one
    /// that does not arrive within the body timeouts with an empty 408 and
    /// the connection closed (Spin has neither limit).
    pub async fn handle(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
        deadline: &Deadline,
    ) -> Response<Body> {
        let span = telemetry::request_span(&req, client);
        let method = req.method().clone();
        async {
            let (resp, route) = self.respond(req, client, deadline).await;
            telemetry::finish_request(&method, route.as_deref(), resp.status());
            resp
        }
        .instrument(span)
        .await
    }

    /// [`Runtime::handle`]'s answer, with the route it matched.
    async fn respond(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
        deadline: &Deadline,
    ) -> (Response<Body>, Option<String>) {
        deadline.set(Instant::now() + self.options.body_timeout + DEADLINE_SLACK);
        let path = req.uri().path();
        if let Some(name) = path.strip_prefix(WELL_KNOWN_PREFIX) {
            // Spin's route for a known one is its path; no other path is
            // recorded.
            let known = matches!(name, "health" | "info");
            let route = known.then(|| path.to_owned());
            let answer = well_known::answer(name, &self.app_name, self.app_version.as_deref());
            return (answer, route);
        }
        let Some(m) = self.router.route(path) else {
            return (plain(StatusCode::NOT_FOUND, ""), None);
        };
        let route = Some(m.raw_route.clone());
        self.requests.add(&self.components[&m.component].counted);
        let loaded = &self.components[&m.component];
        let (mut parts, body) = req.into_parts();
        let body = match self.read_body(&parts.headers, body).await {
            Ok(body) => body,
            Err(refusal) => return (refusal, route),
        };
        m.add_spin_headers(&mut parts.headers, &parts.uri, client);
        let req = Request::from_parts(parts, Full::new(body));
        deadline.set(Instant::now() + self.guest_limit() + DEADLINE_SLACK);
        match self.call(loaded, req).await {
            Ok(resp) => (resp, route),
            Err(e) => {
                let first = telemetry::first_line(&e);
                tracing::error!(component = %loaded.env.id, "request failed: {first}");
                telemetry::request_failed(&first);
                (plain(StatusCode::INTERNAL_SERVER_ERROR, ""), route)
            }
        }
    }

    /// The request body within the limits, or the answer refusing it.
    async fn read_body(
        &self,
        headers: &http::HeaderMap,
        body: Incoming,
    ) -> Result<Bytes, Response<Body>> {
        let limits = BodyLimits {
            max_bytes: self.options.max_body_bytes,
            per_read: self.options.body_read_timeout,
            whole: self.options.body_timeout,
        };
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limits.max_bytes as u64) {
            return Err(plain(StatusCode::PAYLOAD_TOO_LARGE, ""));
        }
        body::read(body, limits).await.map_err(|e| match e {
            BodyError::TooLarge(_) => plain(StatusCode::PAYLOAD_TOO_LARGE, ""),
            BodyError::TimedOut => closing(plain(StatusCode::REQUEST_TIMEOUT, "")),
            BodyError::Read(ref cause) => plain(StatusCode::BAD_REQUEST, &format!("{e}: {cause}")),
        })
    }

    /// How long a guest may run (see [`Runtime::call`]).
    fn guest_limit(&self) -> Duration {
        // The epoch deadline normally trips first (a trap, with a wasm
        // backtrace); the wall clock also covers a guest stuck waiting.
        self.options.request_timeout + 4 * EPOCH_TICK
    }

    async fn call(
        &self,
        loaded: &Loaded,
        req: Request<Full<Bytes>>,
    ) -> anyhow::Result<Response<Body>> {
        let stderr = MemoryOutputPipe::new(64 * 1024);
        let store = self.new_store(loaded, &stderr);
        let id = loaded.env.id.clone();
        let span = telemetry::execute_span(&id);
        let logged = move |run: Run| -> Run {
            Box::pin(
                async move {
                    let result = run.await;
                    if let Err(e) = &result {
                        telemetry::execute_failed(e);
                    }
                    log_outcome(&id, &result, &stderr);
                    result
                }
                .instrument(span),
            )
        };
        loaded
            .handler
            .call(store, req, logged, self.guest_limit())
            .await
    }

    /// A fresh `Store` for one request: the component's WASI context, the
    /// shared services, the memory limit and the epoch deadline.
    fn new_store(&self, loaded: &Loaded, stderr: &MemoryOutputPipe) -> wasmtime::Store<HostState> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().stderr(stderr.clone());
        load::allow_sockets(&mut wasi, &loaded.env.allowed_hosts, &self.services.blocked);
        for (k, v) in &loaded.env.environment {
            wasi.env(k, v);
        }
        let state = HostState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks {
                component: loaded.env.id.as_str().into(),
                allowed: loaded.env.allowed_hosts.clone(),
                blocked: self.services.blocked.clone(),
                tls: self.services.tls.clone(),
                self_origin: self.self_origin.get().cloned(),
            },
            env: loaded.env.clone(),
            services: self.services.clone(),
            limits: wasmtime::StoreLimitsBuilder::new()
                .memory_size(self.options.max_memory_bytes)
                .instances(64)
                .build(),
            deadline: std::time::Instant::now() + self.options.request_timeout,
            sqlite_open: 0,
            kv_open: 0,
            cas_open: 0,
            redis_held: Default::default(),
        };
        let mut store = wasmtime::Store::new(&loaded.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks =
            (self.options.request_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        store
    }
}

/// Logs a finished guest run: its trap, or what it wrote to stderr.
fn log_outcome(id: &str, result: &anyhow::Result<()>, stderr: &MemoryOutputPipe) {
    let err_text = String::from_utf8_lossy(&stderr.contents()).into_owned();
    match result {
        Ok(()) if !err_text.is_empty() => {
            tracing::info!(component = %id, "guest stderr: {}", err_text.trim_end())
        }
        Err(e) => {
            tracing::error!(component = %id, "guest failed: {e:?}\nguest stderr:\n{}", err_text.trim_end())
        }
        _ => {}
    }
}

/// `r` with the connection closed after it.
fn closing(mut r: Response<Body>) -> Response<Body> {
    r.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    r
}

/// A small text response.
pub fn plain(status: StatusCode, text: &str) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(text.to_owned()))
            .map_err(|e| match e {})
            .boxed_unsync(),
    );
    *r.status_mut() = status;
    r
}
