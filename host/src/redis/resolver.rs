//! Name resolution for Redis connections under `block_networks`: the
//! addresses a host name resolves to, the blocked ones dropped. When all
//! are blocked the connection fails with an error the guest sees as
//! `other(...)`; Spin 4.0.2 hands redis-rs an empty list there, which
//! panics the host.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use redis::io::AsyncDNSResolver;
use redis::RedisFuture;

use crate::networks::BlockedNetworks;

/// Resolves, then drops what is blocked.
pub struct Resolver(pub Arc<BlockedNetworks>);

impl AsyncDNSResolver for Resolver {
    fn resolve<'a, 'b: 'a>(
        &'a self,
        host: &'b str,
        port: u16,
    ) -> RedisFuture<'a, Box<dyn Iterator<Item = SocketAddr> + Send + 'a>> {
        Box::pin(async move {
            let mut addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await?.collect();
            if self.0.remove_blocked(&mut addrs) {
                tracing::error!("all destination IP(s) prohibited by runtime config");
                let denied = io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "all destination IP(s) prohibited by runtime config",
                );
                return Err(denied.into());
            }
            Ok(Box::new(addrs.into_iter()) as Box<dyn Iterator<Item = SocketAddr> + Send>)
        })
    }
}
