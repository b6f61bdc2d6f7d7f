//! `eventmap serve` as a child process for tests that need the real binary: started on a free
//! port, killed when dropped, its log kept to show on failure.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_eventmap");

/// A running `eventmap serve`, killed when dropped; its log is kept to show on failure.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: tempfile::NamedTempFile,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").port()
}

impl Server {
    /// Starts a server and waits until it is ready.
    pub async fn start(database: &str) -> Self {
        let s = Self::launch(database, &[]);
        assert!(s.ready_within(Duration::from_secs(60)).await, "the server did not become ready:\n{}", s.log());
        s
    }

    /// Starts a server without waiting.
    pub fn launch(database: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--database", database, "--listen", &format!("127.0.0.1:{port}")])
            .env("EVENTMAP_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("log file"));
        // What the server does about the allocators depends on these; a test sets them itself.
        for k in ["MALLOC_ARENA_MAX", "MIMALLOC_PURGE_DELAY", "EVENTMAP_ALLOCATOR_SET"] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the eventmap binary starts");
        Self { child, base: format!("http://127.0.0.1:{port}"), log }
    }

    pub async fn ready_within(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::get(format!("{}/readyz", self.base)).await {
                if r.status() == 200 {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes an editor token with the command line, as an operator would.
pub fn editor_token(database: &str) -> String {
    let out = Command::new(BIN)
        .args(["token", "create", "--database", database, "--name", "desk", "--role", "editor"])
        .output()
        .expect("eventmap token create runs");
    assert!(out.status.success(), "token create failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8").trim().to_string()
}
