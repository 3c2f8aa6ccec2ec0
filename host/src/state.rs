//! Per-request state: one [`HostState`] is the data of each request's
//! `Store`. What is shared across requests (pools, databases, resolved
//! component settings) sits behind `Arc`s.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::kv::Stores;
use crate::networks::BlockedNetworks;
use crate::outbound::AllowedHosts;
use crate::redis::pool::RedisPool;
use crate::spin_http::OutboundHooks;
use crate::sqlite::Databases;
use crate::tls::TlsConfigs;

/// One component's settings, resolved once at start-up.
#[derive(Debug)]
pub struct ComponentEnv {
    pub id: String,
    /// Component variables, templates expanded.
    pub variables: HashMap<String, String>,
    pub allowed_hosts: Arc<AllowedHosts>,
    pub sqlite_databases: BTreeSet<String>,
    pub key_value_stores: BTreeSet<String>,
    pub environment: Vec<(String, String)>,
}

/// What every request shares.
pub struct Services {
    pub redis: Arc<RedisPool>,
    /// `block_networks` (HTTP, Redis, sockets) and `[[client_tls]]`.
    pub blocked: Arc<BlockedNetworks>,
    pub tls: Arc<TlsConfigs>,
    pub sqlite: Databases,
    pub kv: Stores,
}

/// The data of one request's `Store`.
pub struct HostState {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub http: WasiHttpCtx,
    pub hooks: OutboundHooks,
    pub env: Arc<ComponentEnv>,
    pub services: Arc<Services>,
    pub limits: wasmtime::StoreLimits,
    /// When the request's time is up (SQLite statements are interrupted).
    pub deadline: Instant,
    /// SQLite connections and key-value stores open now (Spin caps each).
    pub sqlite_open: usize,
    pub kv_open: usize,
    /// `wasi:keyvalue` compare-and-swap handles open now.
    pub cas_open: usize,
    /// Redis connections the request holds now (each counts itself).
    pub redis_held: crate::redis::pool::RequestCount,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
