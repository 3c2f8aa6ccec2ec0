//! The loaded application: components compiled and pre-instantiated at
//! start-up, and [`Runtime::handle`], which serves one request in a new
//! `Store`.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, Limited};
use hyper::{body::Incoming, Request, Response, StatusCode};
use wasmtime::component::ResourceTable;
use wasmtime::Engine;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpView};

use crate::engine::{self, EPOCH_TICK};
use crate::manifest::App;
use crate::outbound::AllowedHosts;
use crate::routing::Router;
use crate::spin_http::OutboundHooks;
use crate::spin_sqlite::Databases;
use crate::state::{ComponentEnv, HostState, Services};
use crate::variables::Resolved;

pub type Body = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// Runtime settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest a request may run (CPU and waiting), from start to response.
    pub request_timeout: Duration,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_memory_bytes: 512 * 1024 * 1024,
            pool_size: 256,
            cache_dir: None,
            sqlite_statements: Vec::new(),
            env: Vec::new(),
        }
    }
}

struct Loaded {
    pre: ProxyPre<HostState>,
    env: Arc<ComponentEnv>,
}

/// An application ready to serve.
pub struct Runtime {
    engine: Engine,
    router: Router,
    components: HashMap<String, Loaded>,
    services: Arc<Services>,
    options: Options,
}

impl Runtime {
    /// Loads `app`: resolves variables (from `env`), checks sources, opens
    /// databases, runs start-up SQL, compiles and pre-instantiates every
    /// component. Every failure names its cause.
    pub fn load(
        app: &App,
        options: Options,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        app.check_sources()?;
        let vars = Resolved::resolve(&app.variables, env)
            .map_err(|e| anyhow::anyhow!("{}: {e}", app.path.display()))?;
        let router = Router::build(&app.routes)
            .map_err(|e| anyhow::anyhow!("{}: {e}", app.path.display()))?;
        let sqlite = Databases::open_default(&app.dir).map_err(anyhow::Error::msg)?;
        for s in &options.sqlite_statements {
            let sql = match s.strip_prefix('@') {
                Some(file) => {
                    let path = app.dir.join(file);
                    std::fs::read_to_string(&path).map_err(|e| {
                        anyhow::anyhow!("--sqlite @{file}: cannot read {}: {e}", path.display())
                    })?
                }
                None => s.clone(),
            };
            sqlite
                .execute_batch("default", &sql)
                .map_err(|e| anyhow::anyhow!("--sqlite {s}: {e}"))?;
        }
        let engine = engine::build_engine(options.pool_size).map_err(anyhow_from)?;
        let linker = engine::linker(&engine).map_err(anyhow_from)?;
        let cache_dir = options
            .cache_dir
            .clone()
            .unwrap_or_else(|| app.dir.join(".spin/cache"));
        let mut components = HashMap::new();
        for c in app.components.values() {
            let place = format!("component {:?}", c.id);
            let mut variables = HashMap::new();
            for (name, template) in &c.variables {
                variables.insert(
                    name.clone(),
                    vars.expand(template)
                        .map_err(|e| anyhow::anyhow!("{place}: variable {name}: {e}"))?,
                );
            }
            let hosts = c
                .allowed_outbound_hosts
                .iter()
                .map(|h| vars.expand(h))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("{place}: allowed_outbound_hosts: {e}"))?;
            let allowed_hosts = AllowedHosts::parse(&hosts)
                .map_err(|e| anyhow::anyhow!("{place}: allowed_outbound_hosts: {e}"))?;
            for db in &c.sqlite_databases {
                if !sqlite.contains(db) {
                    anyhow::bail!("{place}: SQLite database {db:?} is not defined (only \"default\" is available)");
                }
            }
            let mut environment: Vec<(String, String)> =
                c.environment.clone().into_iter().collect();
            environment.extend(options.env.iter().cloned());
            let component = engine::load_component(&engine, &c.source, &cache_dir)
                .map_err(|e| anyhow_from(e).context(place.clone()))?;
            let pre = linker
                .instantiate_pre(&component)
                .and_then(ProxyPre::new)
                .map_err(|e| anyhow_from(e).context(format!("{place} cannot run here (does it export wasi:http/incoming-handler and import only what a Spin host offers?)")))?;
            let env = Arc::new(ComponentEnv {
                id: c.id.clone(),
                variables,
                allowed_hosts: Arc::new(allowed_hosts),
                sqlite_databases: c.sqlite_databases.iter().cloned().collect::<BTreeSet<_>>(),
                environment,
            });
            components.insert(c.id.clone(), Loaded { pre, env });
        }
        engine::start_epoch_ticker(&engine);
        Ok(Self {
            engine,
            router,
            components,
            services: Arc::new(Services {
                redis: Arc::default(),
                sqlite,
            }),
            options,
        })
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Serves one request.
    pub async fn handle(&self, req: Request<Incoming>, client: SocketAddr) -> Response<Body> {
        let Some(m) = self.router.route(req.uri().path()) else {
            return plain(StatusCode::NOT_FOUND, "");
        };
        let loaded = &self.components[&m.component];
        let too_big = req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .is_some_and(|n| n > self.options.max_body_bytes as u64);
        if too_big {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
        }
        let (mut parts, body) = req.into_parts();
        let body = match Limited::new(body, self.options.max_body_bytes)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
            }
            Err(e) => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    &format!("cannot read request body: {e}"),
                )
            }
        };
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        for (k, v) in m.spin_headers("http", &host, &path_and_query, client) {
            if let (Ok(k), Ok(v)) = (
                http::HeaderName::try_from(k),
                http::HeaderValue::try_from(v),
            ) {
                parts.headers.insert(k, v);
            }
        }
        if !parts.headers.contains_key(http::header::HOST) {
            parts.headers.insert(
                http::header::HOST,
                http::HeaderValue::from_static("localhost"),
            );
        }
        let req = Request::from_parts(parts, Full::new(body));
        match self.call(loaded, req).await {
            Ok(resp) => resp,
            Err(e) => {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or_default();
                tracing::error!(component = %loaded.env.id, "request failed: {first}");
                plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        }
    }

    async fn call(
        &self,
        loaded: &Loaded,
        req: Request<Full<Bytes>>,
    ) -> anyhow::Result<Response<Body>> {
        let stderr = MemoryOutputPipe::new(64 * 1024);
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().stderr(stderr.clone());
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
            },
            env: loaded.env.clone(),
            services: self.services.clone(),
            limits: wasmtime::StoreLimitsBuilder::new()
                .memory_size(self.options.max_memory_bytes)
                .instances(64)
                .build(),
        };
        let mut store = wasmtime::Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks =
            (self.options.request_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let wreq = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .map_err(anyhow_from)?;
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(tx)
            .map_err(anyhow_from)?;
        let pre = loaded.pre.clone();
        let id = loaded.env.id.clone();
        let log_stderr = stderr.clone();
        let task = tokio::spawn(async move {
            let result = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, wreq, out)
                    .await
            }
            .await;
            let err_text = String::from_utf8_lossy(&log_stderr.contents()).into_owned();
            match &result {
                Ok(()) if !err_text.is_empty() => {
                    tracing::info!(component = %id, "guest stderr: {}", err_text.trim_end())
                }
                Err(e) => {
                    tracing::error!(component = %id, "guest trapped: {e:?}\nguest stderr:\n{}", err_text.trim_end())
                }
                _ => {}
            }
            result
        });
        let timeout = self.options.request_timeout;
        // The epoch deadline normally trips first (a trap, with a wasm
        // backtrace); the wall clock also covers a guest stuck waiting.
        match tokio::time::timeout(timeout + 4 * EPOCH_TICK, rx).await {
            Ok(Ok(Ok(resp))) => Ok(resp.map(|b| b.map_err(|e| Box::new(e) as _).boxed_unsync())),
            Ok(Ok(Err(code))) => anyhow::bail!("component answered with an error: {code:?}"),
            Ok(Err(_)) => match task.await {
                Ok(Ok(())) => anyhow::bail!("component never set a response"),
                Ok(Err(e)) => Err(anyhow_from(e)),
                Err(e) => Err(e.into()),
            },
            Err(_) => {
                task.abort();
                anyhow::bail!("component did not answer within {timeout:?}")
            }
        }
    }
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

/// wasmtime's error as anyhow's, keeping the full chain and backtrace text.
pub fn anyhow_from(e: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}
