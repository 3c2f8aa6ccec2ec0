//! The worker's integration tests, one binary with a module per area. Each
//! test starts its own private `redis-server` (a durable one where Redis is
//! killed and restarted) and, where the binary is under test, real
//! `redspin-worker` processes.

mod common;

mod cancel;
mod chaos;
mod cli;
mod cluster;
mod control;
mod crash;
mod dead_set;
mod delay;
mod delivery;
mod faults;
mod invalidate;
mod malformed;
mod metrics;
mod outage;
mod retry;
mod schedule;
mod shutdown;
mod trace;
mod webhook;
mod webhook_safety;
