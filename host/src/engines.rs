//! The two engines, each built the first time a component needs it.
//!
//! The component model's async support (WASIp3, the `spin:*@3` interfaces)
//! costs every store and every host call some bookkeeping even when the
//! guest never uses it: measured on the WASIp2 probe, a request that does
//! no I/O is 13-28 % faster without it (BENCHMARKS.md). So a component that
//! only needs what a WASIp2 guest of the previous generation uses (WASI
//! 0.2 and `fermyon:spin/*@2.0.0`) runs on an engine without it; any other
//! runs on one with it. A component whose names look like the former but
//! that does not load there (it uses async built-ins of its own) falls
//! back to the latter.

use std::path::Path;

use anyhow::Context;
use wasmtime::component::{InstancePre, Linker};
use wasmtime::Engine;

use crate::engine;
use crate::state::HostState;

struct Built {
    engine: Engine,
    linker: Linker<HostState>,
}

/// The engines an app's components need.
pub struct Engines {
    pool_size: u32,
    max_memory_bytes: usize,
    plain: Option<Built>,
    concurrent: Option<Built>,
}

/// True when every import is WASI 0.2 or `fermyon:spin@2.0.0` and no
/// export is a WASI 0.3 one: what an engine without async support serves.
pub fn fits_plain(imports: &[String], exports: &[String]) -> bool {
    const WASI_0_2: [&str; 7] = [
        "cli",
        "clocks",
        "filesystem",
        "io",
        "random",
        "sockets",
        "http",
    ];
    let plain_import = |n: &String| {
        if n.starts_with("fermyon:spin/") {
            return n.ends_with("@2.0.0");
        }
        let Some((package, version)) = n.strip_prefix("wasi:").and_then(|n| n.split_once('@'))
        else {
            return false;
        };
        let package = package.split('/').next().unwrap_or_default();
        WASI_0_2.contains(&package) && version.starts_with("0.2.") && !version.contains('-')
    };
    imports.iter().all(plain_import) && !exports.iter().any(|n| n.contains("@0.3"))
}

impl Engines {
    pub fn new(pool_size: u32, max_memory_bytes: usize) -> Self {
        Self {
            pool_size,
            max_memory_bytes,
            plain: None,
            concurrent: None,
        }
    }

    /// Compiles (or loads from `cache_dir`) the component at `wasm` and
    /// pre-instantiates it on the engine it needs.
    pub fn load(
        &mut self,
        wasm: &Path,
        cache_dir: &Path,
    ) -> anyhow::Result<(Engine, InstancePre<HostState>)> {
        let bytes =
            std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
        let (imports, exports) = crate::p3::names::interfaces(&bytes)
            .with_context(|| format!("cannot load {}", wasm.display()))?;
        if fits_plain(&imports, &exports) {
            match self.on(false)?.load(&bytes, wasm, cache_dir) {
                Ok(loaded) => return Ok(loaded),
                Err(e) => tracing::debug!(error = %format!("{e:#}"), "loading with async support"),
            }
        }
        self.on(true)?.load(&bytes, wasm, cache_dir)
    }

    fn on(&mut self, concurrent: bool) -> anyhow::Result<&Built> {
        let (pool_size, max_memory) = (self.pool_size, self.max_memory_bytes);
        let slot = if concurrent {
            &mut self.concurrent
        } else {
            &mut self.plain
        };
        if slot.is_none() {
            let engine = engine::build_engine(pool_size, max_memory, concurrent)?;
            let linker = engine::linker(&engine, concurrent)?;
            engine::start_epoch_ticker(&engine);
            *slot = Some(Built { engine, linker });
        }
        Ok(slot.as_ref().expect("built above"))
    }
}

impl Built {
    fn load(
        &self,
        bytes: &[u8],
        wasm: &Path,
        cache_dir: &Path,
    ) -> anyhow::Result<(Engine, InstancePre<HostState>)> {
        let component = engine::load_component(&self.engine, bytes, wasm, cache_dir)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("it cannot run here (does it import only what a Spin host offers?)")?;
        Ok((self.engine.clone(), pre))
    }
}

#[cfg(test)]
mod tests {
    use super::fits_plain;

    #[test]
    fn which_engine() {
        let v = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let p2_handler = v(&["wasi:http/incoming-handler@0.2.6"]);
        let p3_handler = v(&["wasi:http/handler@0.3.0-rc-2026-03-15"]);
        for (imports, exports, plain) in [
            (
                v(&["wasi:cli/environment@0.2.6", "fermyon:spin/redis@2.0.0"]),
                &p2_handler,
                true,
            ),
            (v(&[]), &p2_handler, true),
            (
                v(&["wasi:cli/environment@0.2.6", "spin:redis/redis@3.0.0"]),
                &p2_handler,
                false,
            ),
            (
                v(&["wasi:http/types@0.3.0-rc-2026-03-15"]),
                &p2_handler,
                false,
            ),
            (v(&["wasi:keyvalue/store@0.2.0-draft2"]), &p2_handler, false),
            (
                v(&["wasi:config/store@0.2.0-draft-2024-09-27"]),
                &p2_handler,
                false,
            ),
            (v(&["fermyon:spin/llm@2.0.0"]), &p2_handler, true),
            (v(&["wasi:cli/environment@0.2.6"]), &p3_handler, false),
            (v(&["acme:x/y@1.0.0"]), &p2_handler, false),
        ] {
            assert_eq!(
                fits_plain(&imports, exports),
                plain,
                "{imports:?} {exports:?}"
            );
        }
    }
}
