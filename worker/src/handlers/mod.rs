//! The built-in handlers.

pub mod invalidate;
pub mod noop;
pub mod webhook;
