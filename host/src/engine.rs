//! The wasmtime engine (built once), the linker with every host interface,
//! and compiled components cached on disk.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha256};

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::state::HostState;

/// How often the epoch advances; per-request time limits count in these.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine: async, epoch interruption, wasm backtraces, and the
/// pooling allocator (`pool_size` concurrent instances). Falls back to
/// on-demand allocation where the pool cannot be reserved.
///
/// Used slots are reset in place instead of handing their pages back to
/// the kernel: `madvise` on every request means page faults and TLB
/// shootdowns on the next one (measured: it halves throughput). With the
/// `PAGEMAP_SCAN` ioctl (Linux 6.7+) only the pages a request dirtied are
/// reset, so a large resident budget costs nothing; without it the low
/// bytes are memset on every request, so the budget stays small.
pub fn build_engine(
    pool_size: u32,
    max_memory_bytes: usize,
    concurrent: bool,
) -> wasmtime::Result<Engine> {
    let attempts = [
        (wasmtime::Enabled::Yes, 16 << 20, 1 << 20),
        (wasmtime::Enabled::No, 2 << 20, 64 << 10),
    ];
    let mut last = None;
    for (scan, memory, table) in attempts {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(pool_size)
            .total_core_instances(pool_size * 8)
            .total_memories(pool_size * 2)
            .total_tables(pool_size * 8)
            .max_memories_per_component(4)
            .max_tables_per_component(16)
            .max_core_instances_per_component(32)
            .linear_memory_keep_resident(memory)
            .table_keep_resident(table)
            .max_unused_warm_slots(8)
            .max_memory_size(max_memory_bytes)
            .pagemap_scan(scan);
        let mut config = base_config(max_memory_bytes, concurrent);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        match Engine::new(&config) {
            Ok(e) => return Ok(e),
            Err(err) => last = Some(err),
        }
    }
    let err = last.expect("at least one attempt");
    tracing::warn!(error = %err, "pooling allocator unavailable; using on-demand allocation");
    Engine::new(&base_config(max_memory_bytes, concurrent))
}

/// Linear memories are bounds-checked in code (with Spectre mitigation),
/// in a reservation of `max_memory_bytes` with no guard pages, and traps
/// are found by explicit checks rather than signals: then a reused pool
/// slot keeps its pages' protection, where guard pages cost an `mprotect`
/// (and a TLB shootdown to the other cores) when a request's instance is
/// made and again when it grows its memory.
///
/// `concurrent` turns on the component model's async support (see
/// [`crate::engines`] for why it is not always on).
fn base_config(max_memory_bytes: usize, concurrent: bool) -> Config {
    let mut config = Config::new();
    config
        .memory_reservation(max_memory_bytes as u64)
        .memory_guard_size(0)
        .guard_before_linear_memory(false)
        .memory_reservation_for_growth(0)
        .signals_based_traps(false);
    config.wasm_component_model(true);
    config.wasm_component_model_async(concurrent);
    config.concurrency_support(concurrent);
    config.epoch_interruption(true);
    config
}

/// Advances the engine's epoch every [`EPOCH_TICK`] for as long as the
/// engine exists. Every `Store` holds the engine, so a guest still running
/// (even while the server shuts down) can always reach its deadline and
/// trap; the thread ends once the last store and runtime are gone.
pub fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(e) => e.increment_epoch(),
                None => return,
            }
        })
        .expect("the epoch thread starts");
}

/// The linker: WASI 0.2 (any 0.2.x import version), `wasi:http@0.2` and
/// the `fermyon:spin@2.0.0` interfaces; with `concurrent`, also WASI 0.3,
/// `wasi:http@0.3`, the `spin:*@3` interfaces, `wasi:keyvalue` and
/// `wasi:config`.
pub fn linker(engine: &Engine, concurrent: bool) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    if concurrent {
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
        crate::bindings::SpinHost::add_to_linker::<HostState, HasSelf<HostState>>(
            &mut linker,
            |s| s,
        )?;
    } else {
        use crate::bindings::fermyon::spin as v2;
        v2::key_value::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        v2::redis::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        v2::sqlite::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        v2::variables::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
    }
    Ok(linker)
}

/// The cache key of a compiled component: SHA-256 of the wasm bytes, of
/// the engine settings that shape compiled code, and of this host's
/// version. The key guards an `unsafe` deserialize, so it must not collide.
pub fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(wasm);
    h.update(b"\0engine\0");
    // The engine gives its settings as `impl Hash`: feed them to SHA-256.
    struct Feed<'a>(&'a mut Sha256);
    impl std::hash::Hasher for Feed<'_> {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            0
        }
    }
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut Feed(&mut h));
    h.update(b"\0host\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    hex::encode(h.finalize())
}

/// Loads component `bytes` (read from `wasm`), from `cache_dir` when a
/// compiled copy for these bytes and these engine settings is there, else
/// compiling and caching it. An unreadable cached copy (say, after an
/// engine upgrade) is recompiled.
pub fn load_component(
    engine: &Engine,
    bytes: &[u8],
    wasm: &Path,
    cache_dir: &Path,
) -> anyhow::Result<Component> {
    let cached = cache_dir.join(format!("{}.cwasm", cache_key(engine, bytes)));
    if cached.is_file() {
        // SAFETY: the file was written by `Component::serialize` of this
        // program for this engine configuration and these bytes (the
        // SHA-256 key covers all three); wasmtime also checks the engine
        // compatibility header itself.
        match unsafe { Component::deserialize_file(engine, &cached) } {
            Ok(c) => return Ok(c),
            Err(e) => {
                tracing::warn!(path = %cached.display(), error = %e, "cached component unusable; recompiling")
            }
        }
    }
    let final_names = crate::p3::names::to_final(bytes)
        .with_context(|| format!("cannot load {}", wasm.display()))?;
    let component = Component::new(engine, &final_names)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot compile {}", wasm.display()))?;
    if let Err(e) = write_cache(&component, &cached) {
        tracing::warn!(path = %cached.display(), error = %format!("{e:#}"), "could not cache the compiled component");
    }
    Ok(component)
}

fn write_cache(component: &Component, path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let bytes = component.serialize().map_err(anyhow::Error::from)?;
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))?;
    Ok(())
}
