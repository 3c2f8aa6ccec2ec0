//! The routes, end to end, through the real components: one test binary
//! (one link of the host), a module per route group. The same tests run
//! under redspin-host and under real Spin (`REDSPIN_E2E_HOST=spin`, see
//! [`hosts`]).

mod common;
mod hosts;

mod bad_input;
mod cache_redis;
mod cancel;
mod config;
mod outage;
mod pages;
mod reading;
mod scripts;
mod sessions;
mod tasks;
mod throttle;
mod trace;
mod users;
mod worker;
