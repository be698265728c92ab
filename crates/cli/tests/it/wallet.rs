//! `confide wallet create|import|show`.

use crate::{assert_code, assert_fails, confide, json, path, stderr};

#[test]
fn import_then_show_gives_the_keys_address() {
    let dir = tempfile::tempdir().unwrap();
    let (key, password, keystore) = (
        dir.path().join("key"),
        dir.path().join("pw"),
        dir.path().join("ks.json"),
    );
    // The well-known hardhat/anvil account #0.
    std::fs::write(
        &key,
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n",
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
        "--light-kdf",
        "--password-file",
        path(&password),
    ]);
    assert_code(&output, 0);
    let expected = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    assert_eq!(
        json(&output)["address"].as_str().unwrap().to_lowercase(),
        expected
    );
    let shown = confide(&["--json", "wallet", "show", "--keystore", path(&keystore)]);
    assert_eq!(
        json(&shown)["address"].as_str().unwrap().to_lowercase(),
        expected
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&keystore).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Never overwrite a keystore.
    let again = confide(&[
        "wallet",
        "import",
        "--private-key-file",
        path(&key),
        "--keystore",
        path(&keystore),
        "--light-kdf",
        "--password-file",
        path(&password),
    ]);
    assert_code(&again, 1);
    assert!(stderr(&again).contains("already exists"));
}

#[test]
fn reads_keystores_written_by_ethers() {
    let vector = format!(
        "{}/../crypto/tests/vectors/keystores/ethers-n1024.json",
        std::env::var("CARGO_MANIFEST_DIR").unwrap()
    );
    let output = confide(&["--json", "wallet", "show", "--keystore", &vector]);
    assert_code(&output, 0);
    assert!(json(&output)["address"].as_str().unwrap().starts_with("0x"));
}

#[test]
fn no_password_source_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = confide(&[
        "wallet",
        "create",
        "--keystore",
        path(&dir.path().join("k.json")),
    ]);
    assert_fails(&output, 1, "--password-file");
}
