//! `confide indexer`: the service against a `confide chain dev`, its database in the data
//! directory.

use crate::chain_deploy::start;
use crate::{assert_code, confide, http, path};
use std::path::Path;

#[test]
fn indexes_the_dev_chain_and_serves_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let program = Path::new(env!("CARGO_BIN_EXE_confide"));
    let chain = start(program, &["chain", "dev", "--port", "0", "--ephemeral"]);
    let indexer = start(
        program,
        &[
            "indexer",
            "--listen",
            "127.0.0.1:0",
            "--rpc",
            &chain.url,
            "--data-dir",
            path(dir.path()),
            "--confirmations",
            "1",
        ],
    );
    let addr = indexer.url.trim_start_matches("http://").parse().unwrap();

    // The follower looks at the chain soon after start.
    let status = (0..600)
        .find_map(|_| {
            let (code, body) = http(addr, "GET /status HTTP/1.1", b"").unwrap();
            assert_eq!(code, 200);
            let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
            if status["headSeen"].is_u64() && status["lastIndexedBlock"].is_u64() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            None
        })
        .expect("the indexer never reported the chain's head");
    assert_eq!(status["chainId"], 31337);
    assert_eq!(status["confirmations"], 1);
    assert!(status["lastIndexedBlock"].as_u64() <= status["headSeen"].as_u64());
    assert!(status["protocol"].as_str().unwrap().starts_with("0x"));

    let (code, body) = http(addr, "GET /protected-data?pageSize=10 HTTP/1.1", b"").unwrap();
    assert_eq!(code, 200);
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (
            page["items"].as_array().map(Vec::len),
            page["pageSize"].as_u64()
        ),
        (Some(0), Some(10))
    );
    let (code, body) = http(addr, "GET /protected-data?pageSize=5 HTTP/1.1", b"").unwrap();
    assert_eq!(code, 400);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "INVALID_PARAMETER");
    assert!(dir.path().join("indexer.db").is_file());
}

#[test]
fn refuses_zero_confirmations() {
    assert_code(&confide(&["indexer", "--confirmations", "0"]), 2);
}
