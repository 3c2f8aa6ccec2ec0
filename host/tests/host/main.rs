//! redspin-host's tests, in one binary (one link of wasmtime): each module
//! an area, most of them checked on real Spin too where Spin defines the
//! behaviour ([`common::on_both_hosts`]), and for both component
//! generations (the WASIp2 probe and the spin-sdk 6 WASIp3 one).

mod common;

mod cli;
mod fidelity;
mod interfaces;
mod isolation;
mod key_value;
mod outbound;
mod outbound_networking;
mod redis_limits;
mod server_limits;
mod sqlite;
mod sqlite_isolation;
mod telemetry;
mod wasip3;
