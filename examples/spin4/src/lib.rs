//! A Spin 4 component using `redspin-edge` (spin-sdk 6, WASIp3): the code
//! is `component.rs`, shown in `redspin-edge`'s docs and in docs/edge.md as is.
//! Empty on targets other than wasm32.

// The workspace names spin-sdk 6 `spin-sdk6`; in a component of its own
// it is plain `spin-sdk = "6"` and this line goes.
#[cfg(target_arch = "wasm32")]
extern crate spin_sdk6 as spin_sdk;

#[cfg(target_arch = "wasm32")]
mod component;
