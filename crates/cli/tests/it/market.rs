//! `confide market`: the service against a `confide chain dev`, its database in the data
//! directory.

use crate::chain_deploy::start;
use crate::{assert_code, confide, http, path};
use std::path::Path;

#[test]
fn serves_an_empty_book_against_the_dev_chain() {
    let dir = tempfile::tempdir().unwrap();
    let program = Path::new(env!("CARGO_BIN_EXE_confide"));
    let chain = start(program, &["chain", "dev", "--port", "0", "--ephemeral"]);
    let market = start(
        program,
        &[
            "market",
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
    let addr = market.url.trim_start_matches("http://").parse().unwrap();

    for collection in [
        "apporders",
        "datasetorders",
        "workerpoolorders",
        "requestorders",
    ] {
        let (status, body) = http(addr, &format!("GET /{collection} HTTP/1.1"), b"").unwrap();
        assert_eq!(status, 200, "{collection}");
        let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(page["ok"], true);
        assert_eq!(page["count"], 0);
        assert_eq!(page["orders"], serde_json::json!([]));
    }
    // A challenge for the dev chain, and a refusal for another chain.
    let (status, body) = http(addr, "GET /health HTTP/1.1", b"").unwrap();
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let chain_id = health["chainId"].as_u64().unwrap();
    let account = format!("0x{}", "11".repeat(20));
    let (status, body) = http(
        addr,
        &format!("GET /challenge?chainId={chain_id}&address={account} HTTP/1.1"),
        b"",
    )
    .unwrap();
    assert_eq!(status, 200);
    let challenge: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(challenge["data"]["primaryType"], "Challenge");
    let (status, body) = http(
        addr,
        &format!(
            "GET /challenge?chainId={}&address={account} HTTP/1.1",
            chain_id + 1
        ),
        b"",
    )
    .unwrap();
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "CHAIN_ID_MISMATCH");
    // An unsigned publication is refused with a JSON error.
    let (status, body) = http(
        addr,
        &format!("POST /apporders?chainId={chain_id} HTTP/1.1\r\nContent-Type: application/json"),
        b"{\"order\": {}}",
    )
    .unwrap();
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "INVALID_ORDER");
    assert!(dir.path().join("market.db").is_file());
}

#[test]
fn zero_confirmations_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = confide(&[
        "market",
        "--confirmations",
        "0",
        "--data-dir",
        path(dir.path()),
    ]);
    assert_code(&output, 2);
}
