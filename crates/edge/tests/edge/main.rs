//! redspin-edge against a real Redis (a private redis-server per test):
//! one test binary.

mod cache;
mod common;
mod concurrent;
mod sessions;
mod throttle;
