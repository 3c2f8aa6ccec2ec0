//! Where the app meets a spin-sdk generation, and nowhere else: the rest
//! of the app is written once over `http` types, `redspin-edge`'s async
//! Redis and [`crate::sql`]. One backend per cargo feature (mutually
//! exclusive, as `redspin-edge`'s):
//! - `sdk5` (`spin-sdk-5`, WASIp2, `spin.toml`),
//! - `sdk6` (`spin-sdk-6`, WASIp3, `spin4.toml`).
//!
//! Each gives the same four things: `serve` (a component's entry point:
//! the request read within [`crate::api::MAX_BODY_BYTES`], then
//! [`crate::api::serve`]), `Db` (SQLite `default`), `variable` (one Spin
//! variable) and `SpinRedis` (re-exported from `redspin-edge`).

#[cfg(feature = "spin-sdk-5")]
mod sdk5;
#[cfg(feature = "spin-sdk-5")]
pub use sdk5::*;

#[cfg(all(feature = "spin-sdk-6", not(feature = "spin-sdk-5")))]
mod sdk6;
#[cfg(all(feature = "spin-sdk-6", not(feature = "spin-sdk-5")))]
pub use sdk6::*;

pub use redspin_edge::SpinRedis;
