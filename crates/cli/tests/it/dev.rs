//! `confide dev`: the whole network in one process on free ports, its data directory locked,
//! stopped cleanly by SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::running::Running;
use crate::{assert_code, http, path, stderr};

/// Every port flag at 0 (free ports), one worker.
pub(crate) fn dev_args(data_dir: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["dev", "--workers", "1", "--data-dir", path(data_dir)]
        .iter()
        .map(|arg| (*arg).to_owned())
        .collect();
    for service in ["chain", "storage", "sms", "market", "indexer", "scheduler"] {
        args.push(format!("--{service}-port"));
        args.push("0".to_owned());
    }
    args
}

pub(crate) fn command(home: &Path, args: &[String]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confide"));
    command
        .args(args)
        // The default network file goes to this home, not the user's.
        .env("CONFIDE_HOME", home)
        .env_remove("CONFIDE_LOG");
    command
}

/// Starts `confide ARGS` (a `confide dev`) with `home` as CONFIDE_HOME; returns once it
/// listens.
pub(crate) fn start_dev(home: &Path, args: &[String], stderr_file: &Path) -> Running {
    Running::start(command(home, args), false, stderr_file)
}

fn run(home: &Path, args: &[String]) -> Output {
    command(home, args).stdin(Stdio::null()).output().unwrap()
}

fn block_number(addr: SocketAddr) -> u64 {
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#;
    let (status, answer) = http(
        addr,
        "POST / HTTP/1.1\r\nContent-Type: application/json",
        body,
    )
    .unwrap();
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    let hex = answer["result"].as_str().unwrap();
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn dev_runs_the_network_until_sigterm_and_locks_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let data = dir.path().join("data");
    let args = dev_args(&data);
    let dev = start_dev(&home, &args, &dir.path().join("dev.log"));

    let printed = dev.lines.join("\n");
    for needle in [
        "Ready in ",
        "public dev keys",
        "Workerpool",
        "SMS (dev mode)",
        "Network file",
    ] {
        assert!(printed.contains(needle), "{needle:?} not in\n{printed}");
    }

    // The network file, in the data directory and in the home the other commands read.
    let network: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("network.json")).unwrap()).unwrap();
    let shared: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join("network.json")).unwrap()).unwrap();
    assert_eq!(network, shared);
    assert_eq!(network["rpc"], format!("http://{}", dev.addr));
    assert!(network["workerpool"].is_string(), "{network}");
    assert!(block_number(dev.addr) > 0);
    let sms: SocketAddr = network["sms"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    assert_eq!(http(sms, "GET /health HTTP/1.1", b"").unwrap().0, 200);

    // A second node on the same directory is refused, in one sentence.
    let refused = run(&home, &args);
    assert_code(&refused, 1);
    let message = stderr(&refused);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.contains("is in use by another `confide dev`"),
        "{message}"
    );

    assert_eq!(dev.stop("TERM"), Some(0));
    // Stopped: the directory is free again, the state is still there.
    assert!(data.join("chain").is_dir());
    assert!(data.join("scheduler").join("workerpool").is_file());
}

#[test]
fn dev_prints_one_json_document_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let mut args = vec!["--json".to_owned()];
    args.extend(dev_args(&dir.path().join("data")));
    let mut child = command(&home, &args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
    let document: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    for key in ["network", "accounts", "dataDir", "networkFile", "readyMs"] {
        assert!(document.get(key).is_some(), "no {key} in {document}");
    }
    assert_eq!(document["accounts"].as_array().unwrap().len(), 10);
    assert_eq!(
        document["networkFile"],
        home.join("network.json").display().to_string()
    );
}

#[test]
fn dev_refuses_a_host_beyond_loopback_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = dev_args(&dir.path().join("data"));
    args.extend(["--host".to_owned(), "0.0.0.0".to_owned()]);
    let refused = run(dir.path(), &args);
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains("--allow-remote"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn dev_help_shows_an_example() {
    let output = run(
        Path::new("/nonexistent"),
        &["dev".to_owned(), "--help".to_owned()],
    );
    assert_code(&output, 0);
    let help = crate::stdout(&output);
    assert!(help.contains("confide dev --workers 3"), "{help}");
}
