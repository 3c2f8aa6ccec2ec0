//! Handlers: user code that runs a job. A [`Registry`] maps job types to
//! handlers; the worker looks each job's type up there.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use redspin_core::{Job, KeySchema};
use thiserror::Error;

use redspin_queue::Connection;

/// How a handler says a job did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HandlerError {
    /// A passing failure: retry with backoff (or after `after`, when the
    /// handler knows better, e.g. from `Retry-After`), until the job's
    /// attempts run out.
    #[error("{message}")]
    Retry {
        message: String,
        after: Option<Duration>,
    },
    /// A failure retrying cannot fix: straight to the dead set.
    #[error("{0}")]
    Fail(String),
}

impl HandlerError {
    pub fn retry(message: impl Into<String>) -> Self {
        Self::Retry {
            message: message.into(),
            after: None,
        }
    }
    pub fn fail(message: impl Into<String>) -> Self {
        Self::Fail(message.into())
    }
}

/// What a handler gets: the job, and the worker's Redis and key schema.
#[derive(Clone)]
pub struct JobContext {
    pub job: Arc<Job>,
    pub queue: Arc<str>,
    pub redis: Connection,
    pub schema: KeySchema,
}

pub type HandlerResult = Result<(), HandlerError>;
pub type HandlerFuture = Pin<Box<dyn Future<Output = HandlerResult> + Send + 'static>>;

/// How long an attempt may run unless its job says otherwise
/// (`timeout_ms`) or its handler does ([`Handler::timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs jobs of one type. Closures `Fn(JobContext) -> impl Future` are
/// handlers too.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, ctx: JobContext) -> HandlerFuture;

    /// How long one attempt may run when the job does not say
    /// (`timeout_ms`): then it is aborted and fails, "timed out after MS
    /// ms", retried as any failure.
    fn timeout(&self) -> Duration {
        DEFAULT_TIMEOUT
    }
}

impl<F, Fut> Handler for F
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    fn handle(&self, ctx: JobContext) -> HandlerFuture {
        Box::pin(self(ctx))
    }
}

/// A handler with its own default timeout ([`Handler::timeout`]).
pub struct WithTimeout<H> {
    pub handler: H,
    pub timeout: Duration,
}

impl<H: Handler> Handler for WithTimeout<H> {
    fn handle(&self, ctx: JobContext) -> HandlerFuture {
        self.handler.handle(ctx)
    }
    fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// Job type to handler.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in handlers: `webhook`, `cache.invalidate` and `noop`.
    /// Webhooks may not reach private, loopback or link-local addresses.
    pub fn with_builtins() -> Self {
        Self::builtins(false)
    }

    /// The built-in handlers; `allow_private_webhooks` lifts the webhook
    /// address rule (local development, tests with a local receiver).
    pub fn builtins(allow_private_webhooks: bool) -> Self {
        let mut r = Self::new();
        r.register(
            crate::handlers::webhook::TYPE,
            crate::handlers::webhook::Webhook::with_private_destinations(allow_private_webhooks),
        );
        r.register(
            crate::handlers::invalidate::TYPE,
            crate::handlers::invalidate::Invalidate::default(),
        );
        r.register(crate::handlers::noop::TYPE, crate::handlers::noop::Noop);
        r
    }

    /// Adds (or replaces) the handler of `kind`.
    pub fn register(&mut self, kind: impl Into<String>, handler: impl Handler) -> &mut Self {
        self.handlers.insert(kind.into(), Arc::new(handler));
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Handler>> {
        self.handlers.get(kind).cloned()
    }

    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}
