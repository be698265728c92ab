//! `confide order hash|sign|verify` against the protocol's independent vectors.

use crate::{assert_code, assert_fails, confide, confide_in, json, path, stderr, stdout};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("../../../protocol/tests/vectors/orders.json");
    serde_json::from_str(text).unwrap()
}

fn domain_args(vector: &Value) -> Vec<String> {
    vec![
        "--chain-id".into(),
        vector["chainId"].as_str().unwrap().into(),
        "--verifying-contract".into(),
        vector["verifyingContract"].as_str().unwrap().into(),
    ]
}

fn run_with(vector: &Value, command: &str, extra: &[&str], order: &Value) -> std::process::Output {
    let mut args: Vec<String> = vec!["order".into(), command.into()];
    args.extend(domain_args(vector));
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("-".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    confide_in(&args, Some(order.to_string().as_bytes()))
}

#[test]
fn hash_prints_the_reference_hash_for_every_kind() {
    let vectors = vectors();
    for vector in vectors["orders"].as_array().unwrap().iter().step_by(7) {
        let output = run_with(vector, "hash", &[], &vector["order"]);
        assert_code(&output, 0);
        assert_eq!(stdout(&output).trim(), vector["hash"].as_str().unwrap());

        let kind = vector["kind"].as_str().unwrap();
        let output = run_with(
            vector,
            "hash",
            &["--json", "--kind", kind],
            &vector["order"],
        );
        assert_eq!(json(&output)["structHash"], vector["structHash"]);
    }
}

#[test]
fn verify_accepts_the_reference_signature_and_names_failures() {
    let vectors = vectors();
    let vector = &vectors["orders"][2];
    let signer = vector["signer"].as_str().unwrap();
    assert_code(
        &run_with(vector, "verify", &["--signer", signer], &vector["order"]),
        0,
    );

    // Wrong signer: exit 3, both addresses named.
    let other = "0x000000000000000000000000000000000000dEaD";
    let output = run_with(vector, "verify", &["--signer", other], &vector["order"]);
    assert_fails(
        &output,
        3,
        "expected 0x000000000000000000000000000000000000dEaD",
    );

    // A tampered field: exit 3.
    let mut tampered = vector["order"].clone();
    tampered["volume"] = Value::String("11".into());
    assert_code(
        &run_with(vector, "verify", &["--signer", signer], &tampered),
        3,
    );

    // A 63-byte signature: exit 3 with the length.
    let mut short = vector["order"].clone();
    let sign = short["sign"].as_str().unwrap().to_owned();
    short["sign"] = Value::String(sign[..sign.len() - 4].to_owned()); // 65 → 63 bytes
    let output = run_with(vector, "verify", &["--signer", signer], &short);
    assert_code(&output, 3);
    assert!(stderr(&output).contains("got 63"), "{}", stderr(&output));

    // Not an order at all: exit 1.
    assert_code(
        &run_with(
            vector,
            "verify",
            &["--signer", signer],
            &Value::String("x".into()),
        ),
        1,
    );
}

#[test]
fn sign_then_verify_through_a_keystore() {
    let dir = tempfile::tempdir().unwrap();
    let (keystore, password) = (dir.path().join("key.json"), dir.path().join("password"));
    std::fs::write(&password, "correct horse\n").unwrap();
    let created = confide(&[
        "--json",
        "wallet",
        "create",
        "--light-kdf",
        "--keystore",
        path(&keystore),
        "--password-file",
        path(&password),
    ]);
    assert_code(&created, 0);
    let address = json(&created)["address"].as_str().unwrap().to_owned();

    let vectors = vectors();
    let vector = &vectors["orders"][0];
    let mut unsigned = vector["order"].clone();
    unsigned.as_object_mut().unwrap().remove("sign");
    let signed = run_with(
        vector,
        "sign",
        &[
            "--keystore",
            path(&keystore),
            "--password-file",
            path(&password),
        ],
        &unsigned,
    );
    assert_code(&signed, 0);
    let signed: Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert!(signed["sign"].as_str().unwrap().len() == 132);
    assert_code(
        &run_with(vector, "verify", &["--signer", &address], &signed),
        0,
    );
    // The market's envelope is accepted too.
    let envelope =
        serde_json::json!({ "order": signed, "orderHash": vector["hash"], "remaining": 1 });
    assert_code(
        &run_with(vector, "verify", &["--signer", &address], &envelope),
        0,
    );

    // A wrong password is an error, not a crash, and nothing is printed on stdout.
    std::fs::write(&password, "wrong").unwrap();
    let output = run_with(
        vector,
        "sign",
        &[
            "--keystore",
            path(&keystore),
            "--password-file",
            path(&password),
        ],
        &unsigned,
    );
    assert_code(&output, 1);
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_request_is_signed_only_by_its_requester() {
    let dir = tempfile::tempdir().unwrap();
    let (keystore, password) = (dir.path().join("key.json"), dir.path().join("password"));
    std::fs::write(&password, "pw").unwrap();
    assert_code(
        &confide(&[
            "wallet",
            "create",
            "--light-kdf",
            "--keystore",
            path(&keystore),
            "--password-file",
            path(&password),
        ]),
        0,
    );
    let vectors = vectors();
    let vector = vectors["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "request")
        .unwrap();
    let output = run_with(
        vector,
        "sign",
        &[
            "--keystore",
            path(&keystore),
            "--password-file",
            path(&password),
        ],
        &vector["order"],
    );
    assert_code(&output, 1);
    assert!(stderr(&output).contains("requester"), "{}", stderr(&output));
}
