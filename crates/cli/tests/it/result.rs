//! `confide result keygen|encrypt|decrypt`.

use crate::{assert_code, confide, json, path, stderr};

#[test]
fn keygen_encrypt_decrypt_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("result.key");
    assert_code(&confide(&["result", "keygen", "--out", path(&key)]), 0);
    let public = dir.path().join("result.key.pub");
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );

    let zip = dir.path().join("iexec_out.zip");
    std::fs::write(&zip, b"PK\x03\x04 not really a zip, any bytes will do").unwrap();
    let encrypted = dir.path().join("result.enc");
    let output = confide(&[
        "--json",
        "result",
        "encrypt",
        path(&zip),
        path(&encrypted),
        "--public-key",
        path(&public),
    ]);
    assert_code(&output, 0);
    assert_eq!(json(&output)["format"], "confide");

    let back = dir.path().join("back.zip");
    let output = confide(&[
        "--json",
        "result",
        "decrypt",
        path(&encrypted),
        path(&back),
        "--key",
        path(&key),
    ]);
    assert_code(&output, 0);
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&zip).unwrap());

    // Another key: exit 3, no output.
    let other = dir.path().join("other.key");
    assert_code(&confide(&["result", "keygen", "--out", path(&other)]), 0);
    let nothing = dir.path().join("nothing.zip");
    let output = confide(&[
        "result",
        "decrypt",
        path(&encrypted),
        path(&nothing),
        "--key",
        path(&other),
    ]);
    assert_code(&output, 3);
    assert!(!nothing.exists(), "{}", stderr(&output));
    // The iexec format needs an RSA key.
    let output = confide(&[
        "result",
        "encrypt",
        path(&zip),
        path(&dir.path().join("x")),
        "--public-key",
        path(&public),
        "--format",
        "iexec",
    ]);
    assert_code(&output, 1);
}

#[test]
fn decrypts_results_in_iexecs_layout() {
    let vectors = format!(
        "{}/../crypto/tests/vectors/results",
        std::env::var("CARGO_MANIFEST_DIR").unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plain.zip");
    let output = confide(&[
        "--json",
        "result",
        "decrypt",
        &format!("{vectors}/iexec-current.zip"),
        path(&out),
        "--key",
        &format!("{vectors}/rsa-private-pkcs8.pem"),
    ]);
    assert_code(&output, 0);
    assert_eq!(json(&output)["format"], "iexec");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(format!("{vectors}/plaintext.zip")).unwrap()
    );
}
