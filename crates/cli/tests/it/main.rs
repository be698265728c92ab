//! End-to-end tests of the `confide` binary: arguments, outputs and exit codes.
#![allow(clippy::unwrap_used)]

mod bench;
mod chain;
mod chain_deploy;
mod data;
mod dev;
mod e2e;
mod indexer;
mod market;
mod order;
mod result;
mod running;
mod sms;
mod storage;
mod tee;
mod walkthrough;
mod wallet;
mod workerpool;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `confide` with `args` (no password prompt: stdin is closed).
pub(crate) fn confide(args: &[&str]) -> Output {
    confide_in(args, None)
}

/// Runs `confide` with `args` and `stdin` as standard input.
pub(crate) fn confide_in(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_confide"))
        .args(args)
        .env_remove("CONFIDE_PASSWORD")
        .env_remove("CONFIDE_KEYSTORE")
        .env_remove("CONFIDE_CHAIN_ID")
        .env_remove("CONFIDE_VERIFYING_CONTRACT")
        .env_remove("CONFIDE_REFERENCE_POCO")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Asserts the exit code, showing stderr when it differs.
pub(crate) fn assert_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// Asserts the exit code and that standard error says `needle`.
pub(crate) fn assert_fails(output: &Output, code: i32, needle: &str) {
    assert_code(output, code);
    assert!(stderr(output).contains(needle), "{}", stderr(output));
}

/// One HTTP/1.1 request (`Connection: close`): `head` is the request line and any headers;
/// returns the status and the body.
pub(crate) fn http(
    addr: std::net::SocketAddr,
    head: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
    write!(
        stream,
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let status = String::from_utf8_lossy(&response[..split])
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, response[split + 4..].to_vec()))
}

pub(crate) fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

pub(crate) fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn demo_plays_the_whole_story_on_the_embedded_stack() {
    let home = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_confide"))
        .args(["--json", "demo"])
        .env("CONFIDE_HOME", home.path())
        .output()
        .unwrap();
    assert_code(&output, 0);
    let document = json(&output);
    assert_eq!(document["success"], true);
    let steps = document["steps"].as_array().unwrap();
    let results: Vec<&serde_json::Value> =
        steps.iter().filter_map(|step| step.get("result")).collect();
    // Three columns summarized from the protected CSV, decrypted by Bob.
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["column"], "salary");
    assert_eq!(results[0]["count"], 8);
    assert_eq!(results[0]["mean"], 56625);
    assert_eq!(results[1]["median"], 36.5);
    let earned = steps.iter().find_map(|step| step.get("earned")).unwrap();
    assert_eq!(earned, "6000000000");
    let refusals = steps
        .iter()
        .filter(|step| step.get("refused").is_some())
        .count();
    assert_eq!(
        refusals, 2,
        "the 4th use and the use after revocation are refused"
    );
    let times: Vec<f64> = steps
        .iter()
        .map(|step| step["seconds"].as_f64().unwrap())
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "{times:?}");
}

#[test]
fn usage_errors_exit_2() {
    assert_code(&confide(&["order", "hash"]), 2);
    assert_code(
        &confide(&["data", "seal", "--format", "rot13", "a", "b"]),
        2,
    );
}
