//! A real Redis Cluster for tests: six `redis-server --cluster-enabled yes`
//! on free ports (three masters, three replicas) joined by
//! `redis-cli --cluster create`, stopped on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One node of the cluster.
struct Node {
    port: u16,
    child: Option<Child>,
}

pub struct TestCluster {
    nodes: Vec<Node>,
    dir: std::path::PathBuf,
    /// A key prefix unique to this test.
    pub prefix: String,
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl TestCluster {
    /// Starts six nodes and creates the cluster; waits until every node
    /// reports `cluster_state:ok`.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("redspin-cluster-{}", super::unique_prefix()));
        std::fs::create_dir_all(&dir).expect("a cluster directory");
        let mut nodes = Vec::new();
        for i in 0..6 {
            let port = super::free_port();
            let node_dir = dir.join(i.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "1000"])
                .args(["--save", "", "--appendonly", "no"])
                .args(["--dir", &node_dir.to_string_lossy()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server starts");
            nodes.push(Node {
                port,
                child: Some(child),
            });
        }
        let cluster = Self {
            nodes,
            dir,
            prefix: super::unique_prefix(),
        };
        for n in &cluster.nodes {
            cluster.wait(&format!("node {} answers", n.port), || super::pings(n.port));
        }
        let addrs: Vec<String> = cluster
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli --cluster create runs");
        assert!(status.success(), "redis-cli --cluster create failed");
        cluster.wait_ok();
        cluster
    }

    fn wait(&self, what: &str, mut ok: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ok() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until every running node reports `cluster_state:ok` and agrees
    /// there are three masters serving all slots.
    pub fn wait_ok(&self) {
        self.wait("cluster_state:ok on every node", || {
            self.live_ports().iter().all(|p| {
                let info = cli(*p, &["cluster", "info"]);
                info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384")
            })
        });
    }

    fn live_ports(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| n.port)
            .collect()
    }

    /// Seed URLs of every running node, comma-separated.
    pub fn seeds(&self) -> String {
        self.live_ports()
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The port of the master serving `key`.
    pub fn master_of(&self, key: &str) -> u16 {
        self.try_master_of(key)
            .unwrap_or_else(|| panic!("no master serves {key}"))
    }

    fn try_master_of(&self, key: &str) -> Option<u16> {
        let port = self.live_ports()[0];
        let slot: u16 = cli(port, &["cluster", "keyslot", key])
            .trim()
            .parse()
            .expect("a slot");
        for line in cli(port, &["cluster", "nodes"]).lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 9 || !f[2].contains("master") || f[2].contains("fail") {
                continue;
            }
            let serves = f[8..].iter().any(|range| {
                let mut ends = range.split('-').map(|s| s.parse::<u16>().ok());
                match (ends.next().flatten(), ends.next()) {
                    (Some(a), Some(Some(b))) => (a..=b).contains(&slot),
                    (Some(a), None) => a == slot,
                    _ => false,
                }
            });
            if serves {
                let addr = f[1].split('@').next()?;
                return addr.rsplit(':').next()?.parse().ok();
            }
        }
        None
    }

    /// Kills the master serving `key` with SIGKILL and waits until its
    /// replica has taken over.
    pub fn kill_master_of(&mut self, key: &str) -> u16 {
        let port = self.master_of(key);
        // Kill it once its replica holds everything it acknowledged (the
        // test is about the clients' failover, not about asynchronous
        // replication, whose loss window docs/operations.md documents).
        self.wait("the replica to catch up", || {
            let info = cli(port, &["info", "replication"]);
            let field = |name: &str| {
                info.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            let master = field("master_repl_offset:");
            let replica = field("slave0:").and_then(|v| {
                v.split(',')
                    .find_map(|kv| kv.strip_prefix("offset="))
                    .map(str::to_owned)
            });
            master.is_some() && master == replica
        });
        let node = self.nodes.iter_mut().find(|n| n.port == port).unwrap();
        let mut child = node.child.take().unwrap();
        let _ = child.kill();
        let _ = child.wait();
        self.wait("a replica promoted", || {
            let p = self.live_ports()[0];
            let info = cli(p, &["cluster", "info"]);
            info.contains("cluster_state:ok") && self.try_master_of(key).is_some_and(|m| m != port)
        });
        self.wait_ok();
        port
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            if let Some(mut c) = n.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
