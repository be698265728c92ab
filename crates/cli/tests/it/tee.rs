//! `confide tee verify-quote` on the recorded DCAP fixtures of confide-tee.

use std::path::PathBuf;

use crate::{assert_code, assert_fails, confide, json, path, stdout};

/// Inside the TDX fixture's collateral window (its QE identity's issue date).
const TDX_NOW: &str = "1750329147";
/// Inside the SGX fixture's collateral window (its TCB info's issue date).
const SGX_NOW: &str = "1750330571";
/// Inside the outdated TDX fixture's collateral window.
const OUTDATED_NOW: &str = "1771412331";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tee/tests/fixtures")
        .join(name)
}

fn verify(quote: &str, extra: &[&str]) -> std::process::Output {
    let quote_path = fixture(quote);
    let collateral = fixture(&format!("{quote}_collateral.json"));
    let mut args = vec![
        "tee",
        "verify-quote",
        path(&quote_path),
        "--collateral",
        path(&collateral),
    ];
    args.extend_from_slice(extra);
    confide(&args)
}

#[test]
fn tdx_quote_verifies_with_json_output() {
    let output = confide(&[
        "--json",
        "tee",
        "verify-quote",
        path(&fixture("tdx_quote")),
        "--collateral",
        path(&fixture("tdx_quote_collateral.json")),
        "--now",
        TDX_NOW,
    ]);
    assert_code(&output, 0);
    let report = json(&output);
    assert_eq!(report["platform"], "tdx");
    assert_eq!(report["tcbStatus"], "UpToDate");
    assert_eq!(report["advisories"], serde_json::json!([]));
    assert_eq!(report["policy"]["accepted"], true);
    assert_eq!(report["debug"], false);
    assert_eq!(report["now"], 1_750_329_147);
    let measurements = &report["measurements"];
    assert_eq!(measurements["platform"], "tdx");
    assert!(
        measurements["mr_td"]
            .as_str()
            .unwrap()
            .starts_with("91eb2b44d141d4ec")
    );
    assert_eq!(measurements["rtmr"].as_array().unwrap().len(), 4);
    assert_eq!(measurements["td_attributes"], "0000001000000000");
    assert!(
        report["reportData"]
            .as_str()
            .unwrap()
            .starts_with("9a9d48e7f6799642")
    );
}

#[test]
fn hex_quote_file_and_human_output() {
    let dir = tempfile::tempdir().unwrap();
    let hex_quote = dir.path().join("quote.hex");
    let quote = std::fs::read(fixture("tdx_quote")).unwrap();
    std::fs::write(
        &hex_quote,
        format!("0x{}\n", alloy_primitives::hex::encode(quote)),
    )
    .unwrap();
    let output = confide(&[
        "tee",
        "verify-quote",
        path(&hex_quote),
        "--collateral",
        path(&fixture("tdx_quote_collateral.json")),
        "--now",
        TDX_NOW,
    ]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(text.starts_with("TDX quote verified"), "{text}");
    assert!(text.contains("mr_td         91eb2b44"), "{text}");
    assert!(text.contains("tcb_status    UpToDate"), "{text}");
    assert!(text.ends_with("policy: accepted\n"), "{text}");
}

#[test]
fn platform_needing_updates_refused_by_strict_policy_accepted_by_permissive() {
    let dir = tempfile::tempdir().unwrap();
    let strict = dir.path().join("strict.json");
    std::fs::write(&strict, r#"{"min-tcb-status": "UpToDate"}"#).unwrap();
    let output = verify("sgx_quote", &["--now", SGX_NOW, "--policy", path(&strict)]);
    assert_fails(
        &output,
        3,
        "TCB status ConfigurationAndSWHardeningNeeded is below the minimum UpToDate",
    );
    assert!(stdout(&output).contains("mr_enclave    33d8736d"));

    let output = confide(&[
        "--json",
        "tee",
        "verify-quote",
        path(&fixture("sgx_quote")),
        "--collateral",
        path(&fixture("sgx_quote_collateral.json")),
        "--now",
        SGX_NOW,
        "--policy",
        path(&strict),
    ]);
    assert_code(&output, 3);
    let error = json(&output);
    assert_eq!(error["details"]["policy"]["accepted"], false);
    assert_eq!(
        error["details"]["tcbStatus"],
        "ConfigurationAndSWHardeningNeeded"
    );

    let permissive = dir.path().join("permissive.json");
    std::fs::write(
        &permissive,
        r#"{"min-tcb-status": "OutOfDate",
            "accepted-advisories": ["INTEL-SA-00289", "INTEL-SA-00615"]}"#,
    )
    .unwrap();
    let output = verify(
        "sgx_quote",
        &["--now", SGX_NOW, "--policy", path(&permissive)],
    );
    assert_code(&output, 0);
    assert!(stdout(&output).contains("advisories    INTEL-SA-00289, INTEL-SA-00615"));
}

#[test]
fn outdated_tdx_quote_is_refused_by_a_strict_policy_and_accepted_by_a_permissive_one() {
    let strict = verify("tdx_quote_outdated", &["--now", OUTDATED_NOW]);
    assert_fails(
        &strict,
        3,
        "TCB status OutOfDate is below the minimum UpToDate",
    );

    let dir = tempfile::tempdir().unwrap();
    let mut output = confide(&[
        "--json",
        "tee",
        "verify-quote",
        path(&fixture("tdx_quote_outdated")),
        "--collateral",
        path(&fixture("tdx_quote_outdated_collateral.json")),
        "--now",
        OUTDATED_NOW,
    ]);
    assert_code(&output, 3);
    let refused: serde_json::Value = serde_json::from_slice(&output.stderr)
        .or_else(|_| serde_json::from_slice(&output.stdout))
        .unwrap();
    let advisories = refused["details"]["advisories"].clone();
    assert!(advisories.as_array().unwrap().len() > 1, "{refused}");

    let permissive = dir.path().join("permissive.json");
    std::fs::write(
        &permissive,
        serde_json::json!({"min-tcb-status": "OutOfDate", "accepted-advisories": advisories})
            .to_string(),
    )
    .unwrap();
    output = verify(
        "tdx_quote_outdated",
        &["--now", OUTDATED_NOW, "--policy", path(&permissive)],
    );
    assert_code(&output, 0);
    assert!(stdout(&output).contains("OutOfDate"), "{}", stdout(&output));
}

#[test]
fn corrupt_truncated_or_expired_quotes_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut quote = std::fs::read(fixture("tdx_quote")).unwrap();
    let collateral = fixture("tdx_quote_collateral.json");
    let run = |quote: &[u8], now: &str| {
        let file = dir.path().join("quote");
        std::fs::write(&file, quote).unwrap();
        confide(&[
            "tee",
            "verify-quote",
            path(&file),
            "--collateral",
            path(&collateral),
            "--now",
            now,
        ])
    };
    assert_fails(&run(&quote[..1000], TDX_NOW), 1, "malformed quote");
    assert_fails(
        &run(&quote, "1760000000"),
        3,
        "TCB info expired: valid until 1752920163 (UNIX), now is 1760000000",
    );
    // A byte of the report data.
    quote[48 + 520] ^= 1;
    assert_fails(
        &run(&quote, TDX_NOW),
        3,
        "the attestation key's signature over the quote header and report body does not verify",
    );
}
