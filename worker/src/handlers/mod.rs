//! The built-in handlers.

pub mod destination;
pub mod invalidate;
pub mod noop;
pub mod signing;
pub mod webhook;
