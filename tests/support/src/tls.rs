//! A private TLS-only `redis-server` for tests of `rediss://` addresses,
//! and the throwaway certificate authority behind it ([`TestCa`]: a server
//! certificate for `127.0.0.1` and `localhost`, made with the `openssl`
//! command, in a directory removed on drop) for any TLS server a test runs.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A TLS-only Redis server owned by one test.
pub struct TlsRedis {
    child: Child,
    url: String,
    /// Declared last: its directory goes once the server is stopped.
    ca: TestCa,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throwaway certificate authority and a server certificate it signed
/// for `127.0.0.1` and `localhost` (PEM files), in a directory removed on
/// drop.
pub struct TestCa {
    dir: PathBuf,
}

impl TestCa {
    pub fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("redspin-tls-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
        openssl(
            &dir,
            &[
                &["req", "-x509", "-nodes", "-days", "2"][..],
                &ec,
                &[
                    "-subj",
                    "/CN=redspin test CA",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                ],
                &["-addext", "basicConstraints=critical,CA:TRUE"],
                &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ]
            .concat(),
        );
        openssl(
            &dir,
            &[
                &["req", "-nodes"][..],
                &ec,
                &[
                    "-subj",
                    "/CN=127.0.0.1",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                ],
            ]
            .concat(),
        );
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-out",
                "server.pem",
            ],
        );
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (PEM): trust it to trust the server's.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The server's certificate and private key (PEM).
    pub fn server_files(&self) -> (PathBuf, PathBuf) {
        (self.dir.join("server.pem"), self.dir.join("server.key"))
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TlsRedis {
    pub fn start() -> Self {
        let ca = TestCa::new();
        let port = crate::free_port();
        let mut child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", "0"])
            .args(["--tls-port", &port.to_string()])
            .args([
                "--tls-cert-file",
                "server.pem",
                "--tls-key-file",
                "server.key",
            ])
            .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
            .args(["--save", "", "--appendonly", "no", "--dir", "."])
            .current_dir(ca.dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("redis-server (TLS) exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "redis-server (TLS) did not listen"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Self {
            child,
            url: format!("rediss://127.0.0.1:{port}"),
            ca,
        }
    }

    /// `rediss://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA certificate (PEM) that signed the server's: give it to a
    /// client as `SSL_CERT_FILE` to make it trusted.
    pub fn ca_file(&self) -> PathBuf {
        self.ca.ca_file()
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
