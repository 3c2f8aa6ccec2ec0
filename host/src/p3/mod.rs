//! WASIp3 components: what Spin 4's own template builds (spin-sdk 6,
//! exporting `wasi:http/handler@0.3.0-rc-2026-03-15`).
//!
//! ## Which wasmtime, and why the names are rewritten
//!
//! Spin 4.0.2 runs these components on wasmtime 44, whose WASIp3 bindings
//! are the release candidate `0.3.0-rc-2026-03-15`. This host stays on
//! wasmtime 48, whose WASIp3 bindings are the final `wasi:*@0.3.0`:
//! wasmtime 48 is a long-term-support release that still receives security
//! fixes, while 44 no longer does (the advisories of July and August 2026
//! were fixed in 46, 47 and 48 only), and a host running untrusted guests
//! should not pin an unpatched engine.
//!
//! Spin's own main branch, on a newer wasmtime, keeps serving the release
//! candidate by binding its WIT a second time and forwarding every
//! function to the final implementation by hand
//! (`crates/factor-wasi/src/wasi_2026_03_15.rs` and
//! `crates/factor-outbound-http/src/wasi_2026_03_15.rs`, about 2,100 lines).
//! Here the same result comes from renaming instead ([`names`]): the
//! release-candidate WIT of `wasi:cli`, `clocks`, `filesystem`, `random`,
//! `sockets` and `http` is, apart from the version in its package names,
//! the same text as the final 0.3.0 (the one other difference marks
//! `exit-with-code` stable instead of unstable), so a component's imports
//! and exports of `wasi:*@0.3.0-rc-2026-03-15` are renamed to `@0.3.0`
//! before it is compiled, and wasmtime's own implementation serves them.
//! Names are all a component links by; its types are untouched, and
//! wasmtime still type-checks every import against the host's definition,
//! so a difference in shape could only ever fail the link, never run.
//! Components built for the final `wasi:*@0.3.0` (spin-sdk 7) need no
//! renaming and run as they are.
//!
//! ## Layout
//! - [`names`]: the renaming.
//! - [`serve`]: one request, in a fresh instance.

pub mod names;
pub mod serve;
