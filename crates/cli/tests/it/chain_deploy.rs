//! `confide chain deploy` and `confide chain info`: the protocol deployed from a keystore on the
//! dev chain and on anvil, the deployment file read back, the genesis deployment of a dev chain.

use crate::chain::foundry_tool;
use crate::{assert_code, assert_fails, confide, json, path, stderr};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A server process killed when dropped, and its URL.
pub(crate) struct Node {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program args` and waits for its `Listening on HOST:PORT` line; the rest of its
/// output is drained so it never blocks.
pub(crate) fn start(program: &Path, args: &[&str]) -> Node {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("CONFIDE_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("{} exited before listening", program.display()))
            .unwrap();
        if let Some(addr) = line.strip_prefix("Listening on ") {
            break addr.trim().to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Node {
        child,
        url: format!("http://{addr}"),
    }
}

/// A keystore of anvil's dev account 9 (funded on both nodes), with its password file.
fn dev_keystore(dir: &Path) -> (PathBuf, PathBuf, String) {
    let key = dir.join("key");
    let password = dir.join("password");
    let keystore = dir.join("deployer.json");
    std::fs::write(
        &key,
        "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    )
    .unwrap();
    std::fs::write(&password, "pw").unwrap();
    let output = confide(&[
        "--json",
        "wallet",
        "import",
        "--private-key-file",
        path(&key),
        "--keystore",
        path(&keystore),
        "--password-file",
        path(&password),
        "--light-kdf",
    ]);
    assert_code(&output, 0);
    let address = json(&output)["address"].as_str().unwrap().to_owned();
    (keystore, password, address)
}

fn deploy_then_info(node: &Node, dir: &Path) {
    let (keystore, password, deployer) = dev_keystore(dir);
    let file = dir.join("deployment.json");
    let deploy = |extra: &[&str]| {
        let mut args = vec![
            "--json",
            "chain",
            "deploy",
            "--rpc",
            &node.url,
            "--keystore",
            path(&keystore),
            "--password-file",
            path(&password),
            "--out",
            path(&file),
        ];
        args.extend_from_slice(extra);
        confide(&args)
    };
    let output = deploy(&[]);
    assert_code(&output, 0);
    let report = json(&output);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(report["deployment"], written);
    assert_eq!(written["chainId"], 31_337);
    assert_eq!(
        written["owner"].as_str().unwrap().to_lowercase(),
        deployer.to_lowercase()
    );

    // info reads the file and finds every contract deployed on the node.
    let output = confide(&[
        "--json",
        "chain",
        "info",
        "--rpc",
        &node.url,
        "--deployment",
        path(&file),
    ]);
    assert_code(&output, 0);
    let info = json(&output);
    assert_eq!(info["chainId"], 31_337);
    assert!(info["blockNumber"].as_u64().unwrap() >= written["block"].as_u64().unwrap());
    for name in [
        "protocol",
        "token",
        "appRegistry",
        "datasetRegistry",
        "workerpoolRegistry",
        "dataProtector",
    ] {
        assert_eq!(info["contracts"][name]["address"], written[name], "{name}");
        assert_eq!(info["contracts"][name]["deployed"], true, "{name}");
    }

    // An existing file is kept unless --force.
    let output = deploy(&[]);
    assert_code(&output, 1);
    let error = json(&output)["error"].as_str().unwrap().to_owned();
    assert!(error.contains("--force"), "{error}");
    assert_code(&deploy(&["--force"]), 0);

    // A deployment of another chain is refused.
    let mut other = written.clone();
    other["chainId"] = 5.into();
    let other_file = dir.join("other.json");
    std::fs::write(&other_file, other.to_string()).unwrap();
    let output = confide(&[
        "chain",
        "info",
        "--rpc",
        &node.url,
        "--deployment",
        path(&other_file),
    ]);
    assert_code(&output, 1);
    assert!(stderr(&output).contains("chain 5"), "{}", stderr(&output));
}

#[test]
fn deploy_and_info_on_the_dev_chain() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(
        Path::new(env!("CARGO_BIN_EXE_confide")),
        &["chain", "dev", "--port", "0", "--ephemeral"],
    );
    deploy_then_info(&node, dir.path());

    // Without a file, the dev chain tells its genesis deployment.
    let output = confide(&["--json", "chain", "info", "--rpc", &node.url]);
    assert_code(&output, 0);
    let info = json(&output);
    assert_eq!(info["contracts"]["protocol"]["deployed"], true);
    assert!(
        info["clientVersion"]
            .as_str()
            .unwrap()
            .starts_with("confide-devchain/")
    );
}

#[test]
fn deploy_and_info_on_anvil() {
    let Some(anvil) = foundry_tool("anvil", "deploy_and_info_on_anvil") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let node = start(&anvil, &["--port", "0", "--host", "127.0.0.1"]);
    deploy_then_info(&node, dir.path());

    // anvil does not know Confide: info asks for the file.
    let output = confide(&["chain", "info", "--rpc", &node.url]);
    assert_fails(&output, 1, "--deployment");
}
