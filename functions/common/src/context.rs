//! What a route group's handler is given, built once per request in
//! [`crate::api::serve`]: the request, the settings, and the request's one
//! Redis connection, opened on first use and shared by everything the
//! request does (session check, throttles, queue, and the cache unless it
//! has a Redis of its own: then a second connection, opened on first use
//! too).

use std::cell::OnceCell;

use redspin_edge::{EdgeError, SessionCookie, SpinRedis};

use crate::config::Config;

/// A request with its whole body (read within
/// [`crate::api::MAX_BODY_BYTES`]).
pub type Request = http::Request<Vec<u8>>;
/// A response with its whole body.
pub type Response = http::Response<Vec<u8>>;

/// The request's connection to Redis, or why there is none.
pub type RedisConn = Result<SpinRedis, EdgeError>;

pub struct Ctx {
    pub req: Request,
    pub config: Config,
    redis: OnceCell<RedisConn>,
    cache_redis: OnceCell<RedisConn>,
}

impl Ctx {
    pub fn new(req: Request, config: Config) -> Self {
        Self {
            req,
            config,
            redis: OnceCell::new(),
            cache_redis: OnceCell::new(),
        }
    }

    /// The request's Redis connection, opened the first time it is asked
    /// for. Two first uses at once (a joined future) may both open one;
    /// the first kept is the one every later use gets.
    pub async fn redis(&self) -> &RedisConn {
        open_once(&self.redis, &self.config.redis_address).await
    }

    /// The cache's Redis connection: [`Self::redis`]'s, unless
    /// `cache_redis_url` gives the cache a Redis of its own.
    pub async fn cache_redis(&self) -> &RedisConn {
        match &self.config.cache_redis_address {
            None => self.redis().await,
            Some(address) => open_once(&self.cache_redis, address).await,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.req, name)
    }

    /// The path's segments after the leading `/`, without empty ones.
    pub fn segments(&self) -> Vec<&str> {
        self.req
            .uri()
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The session cookie as this app names it (`__Host-sid` when secure).
    pub fn session_cookie(&self) -> SessionCookie {
        SessionCookie {
            secure: self.config.cookie_secure,
        }
    }

    /// The session id in the request's cookie, if any (of any shape).
    pub fn session_id(&self) -> Option<&str> {
        self.header("cookie")
            .and_then(|h| self.session_cookie().value_in(h))
    }
}

async fn open_once<'a>(cell: &'a OnceCell<RedisConn>, address: &str) -> &'a RedisConn {
    if let Some(r) = cell.get() {
        return r;
    }
    let opened = SpinRedis::open(address).await;
    let _ = cell.set(opened);
    cell.get().expect("set just above")
}

/// A request header's value. When the header came more than once, the
/// last one: Spin appends what it sets (`spin-client-addr`, `spin-path-*`)
/// after whatever the client sent under the same name.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    let last = req.headers().get_all(name).iter().next_back()?;
    last.to_str().ok()
}
