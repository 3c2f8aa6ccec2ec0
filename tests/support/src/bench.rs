//! Shared by the benchmark programs (`scripts/bench`): a server process
//! stopped on drop, and latency summaries.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// A server process, killed and reaped when dropped.
pub struct Server(Child);

impl Server {
    /// The process id (to read its memory use from `/proc`).
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns a server that prints `Serving <base URL>` as its first line of
/// standard output; the process and that base URL. Standard error is
/// discarded; the rest of standard output is drained so the server never
/// writes into a closed pipe.
pub fn spawn_server(cmd: &mut Command) -> std::io::Result<(Server, String)> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
    let server = Server(child);
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let base = line.trim().strip_prefix("Serving ").ok_or_else(|| {
        std::io::Error::other(format!(
            "unexpected first line {line:?} (wanted `Serving URL`)"
        ))
    })?;
    Ok((server, base.to_owned()))
}

/// Latencies of one measured phase, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p99_us: f64,
}

impl Summary {
    /// Summarises latencies given in nanoseconds. `None` when empty.
    pub fn of(mut nanos: Vec<u64>) -> Option<Self> {
        if nanos.is_empty() {
            return None;
        }
        nanos.sort_unstable();
        let n = nanos.len();
        let pct = |p: f64| nanos[((n as f64 * p) as usize).min(n - 1)] as f64 / 1000.0;
        Some(Self {
            count: n,
            mean_us: nanos.iter().sum::<u64>() as f64 / n as f64 / 1000.0,
            p50_us: pct(0.50),
            p99_us: pct(0.99),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn summaries() {
        assert_eq!(Summary::of(vec![]), None);
        let s = Summary::of((1..=100).rev().map(|us| us * 1000).collect()).unwrap();
        assert_eq!(
            (s.count, s.mean_us, s.p50_us, s.p99_us),
            (100, 50.5, 51.0, 100.0)
        );
        let one = Summary::of(vec![7000]).unwrap();
        assert_eq!((one.mean_us, one.p50_us, one.p99_us), (7.0, 7.0, 7.0));
    }
}
