//! A `confide` service process started by a test: ready once it printed its address, stopped
//! by a signal, killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::Value;

/// A running service, killed when dropped.
pub(crate) struct Running {
    child: Child,
    /// Kept open: the service must never write into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    /// Everything printed up to and including the ready line.
    pub(crate) lines: Vec<String>,
    pub(crate) addr: SocketAddr,
    stderr_file: PathBuf,
}

impl Running {
    /// Spawns `command` with its stderr going to `stderr_file`; returns once it printed its
    /// ready line: `Listening on ADDR`, or with `json` a JSON document with its `url`.
    pub(crate) fn start(mut command: Command, json: bool, stderr_file: &Path) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr_file).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        let addr = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let status = child.wait().unwrap();
                panic!(
                    "{command:?} exited ({status}) before it was ready\nstdout: {}\nstderr: {}",
                    lines.join("\n"),
                    std::fs::read_to_string(stderr_file).unwrap_or_default()
                );
            }
            let line = line.trim_end().to_owned();
            lines.push(line.clone());
            if json {
                let document: Value = serde_json::from_str(&line).unwrap();
                let url = document["url"].as_str().unwrap();
                break url.strip_prefix("http://").unwrap().parse().unwrap();
            }
            if let Some(addr) = line.strip_prefix("Listening on ") {
                break addr.parse().unwrap();
            }
        };
        Self {
            child,
            _stdout: stdout,
            lines,
            addr,
            stderr_file: stderr_file.to_owned(),
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub(crate) fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for a clean exit; returns the exit code.
    pub(crate) fn stop(mut self, signal: &str) -> Option<i32> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "{status}; stderr: {}",
            std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
        );
        status.code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
