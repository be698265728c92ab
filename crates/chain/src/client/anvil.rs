//! Test support (feature `testing`): anvil, the second EVM node of the tests — the one that can
//! reorg (`evm_snapshot`/`evm_revert`). A failure here panics, which is the test's report.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use super::http_provider;
use alloy_provider::Provider as _;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// anvil on 127.0.0.1 with a free port (the dev chain's mnemonic and chain id), killed on drop.
#[derive(Debug)]
pub struct Anvil {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    child: Child,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Foundry tool installed by `scripts/foundry` (`$CONFIDE_FOUNDRY_BIN`, else the workspace's
/// `target/foundry/bin`), or `None` with a message — a panic under `CI=true`.
pub fn foundry_bin(tool: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CONFIDE_FOUNDRY_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/foundry/bin"),
        PathBuf::from,
    );
    let path = dir.join(tool);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing under CI (run scripts/foundry)",
        path.display()
    );
    println!(
        "skipped: {tool} not found at {} (run scripts/foundry to install it from npm)",
        path.display()
    );
    None
}

impl Anvil {
    /// Starts anvil, or `None` when it is not installed ([`foundry_bin`]).
    pub fn start() -> Option<Self> {
        let mut child = Command::new(foundry_bin("anvil")?)
            .args(["--port", "0", "--host", "127.0.0.1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("anvil exited before listening");
            };
            if let Some(addr) = line.strip_prefix("Listening on ") {
                break addr.trim().to_owned();
            }
        };
        // anvil logs every request on stdout: keep draining it so that it never blocks.
        std::thread::spawn(move || lines.for_each(drop));
        Some(Self {
            url: format!("http://{addr}"),
            child,
        })
    }

    /// A raw JSON-RPC call (`evm_snapshot`, `evm_revert`, `evm_mine`…): its `result`.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        http_provider(&self.url)
            .unwrap()
            .raw_request::<_, Value>(method.to_owned().into(), params)
            .await
            .unwrap()
    }
}
