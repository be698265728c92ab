//! `confide sms`: the service against a `confide chain dev`, its state in the data directory.

use crate::chain_deploy::start;
use crate::{assert_fails, confide, http, path};
use std::path::Path;

#[test]
fn serves_the_sms_api_against_the_dev_chain() {
    let dir = tempfile::tempdir().unwrap();
    let program = Path::new(env!("CARGO_BIN_EXE_confide"));
    let chain = start(program, &["chain", "dev", "--port", "0", "--ephemeral"]);
    let sms = start(
        program,
        &[
            "sms",
            "--listen",
            "127.0.0.1:0",
            "--rpc",
            &chain.url,
            "--data-dir",
            path(dir.path()),
            "--dev",
            "--collateral",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tee/tests/fixtures/tdx_quote_collateral.json"
            ),
        ],
    );
    let addr = sms.url.trim_start_matches("http://").parse().unwrap();

    let (status, body) = http(addr, "GET /tee/framework HTTP/1.1", b"").unwrap();
    assert_eq!((status, body.as_slice()), (200, &b"TDX"[..]));
    let (status, _) = http(
        addr,
        &format!(
            "HEAD /secrets/web3?secretAddress=0x{} HTTP/1.1",
            "11".repeat(20)
        ),
        b"",
    )
    .unwrap();
    assert_eq!(status, 404);
    // An unsigned push is refused with a JSON error.
    let (status, body) = http(
        addr,
        &format!(
            "POST /secrets/web3?secretAddress=0x{} HTTP/1.1",
            "11".repeat(20)
        ),
        b"key",
    )
    .unwrap();
    assert_eq!(status, 401);
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "UNAUTHORIZED");

    // The master key and the database are in the data directory; the key is private.
    let key = dir.path().join("master.key");
    assert!(dir.path().join("sms.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "master key mode {mode:o}");
    }
}

#[test]
fn refuses_a_bad_policy_or_collateral_file() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, r#"{"allow-simulated": true}"#).unwrap();
    let output = confide(&[
        "sms",
        "--policy",
        path(&policy),
        "--data-dir",
        path(dir.path()),
    ]);
    assert_fails(&output, 1, "use --dev");
    std::fs::write(&policy, r#"{"min-tcb-status": "Sometimes"}"#).unwrap();
    let output = confide(&[
        "sms",
        "--policy",
        path(&policy),
        "--data-dir",
        path(dir.path()),
    ]);
    assert_fails(&output, 1, "invalid policy");
    let bad = dir.path().join("collateral.json");
    std::fs::write(&bad, "{}").unwrap();
    let output = confide(&[
        "sms",
        "--collateral",
        path(&bad),
        "--data-dir",
        path(dir.path()),
    ]);
    assert_fails(&output, 1, "collateral");
}
