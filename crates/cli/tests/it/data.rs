//! `confide data seal|unseal`.

use crate::{assert_code, confide, json, path, stderr};
use std::path::Path;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

fn seal(input: &Path, output: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "data", "seal", path(input), path(output)];
    args.extend_from_slice(extra);
    let result = confide(&args);
    assert_code(&result, 0);
    json(&result)
}

#[test]
fn seal_unseal_round_trip_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.bin");
    std::fs::write(&plain, pattern(300_001)).unwrap();
    for format in ["confide", "iexec-cbc"] {
        let sealed = dir.path().join(format!("{format}.sealed"));
        let report = seal(&plain, &sealed, &["--format", format]);
        assert_eq!(report["format"], format);
        assert_eq!(report["keyCreated"], true);
        // The checksum is SHA-256 of the sealed file.
        let checksum = confide_crypto::seal::Checksum::of_bytes(&std::fs::read(&sealed).unwrap());
        assert_eq!(report["checksum"], checksum.to_string());
        let key = report["keyFile"].as_str().unwrap();
        let back = dir.path().join(format!("{format}.plain"));
        let output = confide(&[
            "--json",
            "data",
            "unseal",
            path(&sealed),
            path(&back),
            "--key-file",
            key,
        ]);
        assert_code(&output, 0);
        assert_eq!(json(&output)["format"], format);
        assert_eq!(std::fs::read(&back).unwrap(), pattern(300_001));
    }
}

#[test]
fn an_existing_key_file_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, key) = (dir.path().join("p"), dir.path().join("k"));
    std::fs::write(&plain, b"x").unwrap();
    std::fs::write(
        &key,
        "0x0101010101010101010101010101010101010101010101010101010101010101\n",
    )
    .unwrap();
    let report = seal(&plain, &dir.path().join("s"), &["--key-file", path(&key)]);
    assert_eq!(report["keyCreated"], false);
}

#[test]
fn a_flipped_byte_anywhere_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.bin");
    std::fs::write(&plain, pattern(200_000)).unwrap();
    let sealed = dir.path().join("s");
    let report = seal(&plain, &sealed, &[]);
    let key = report["keyFile"].as_str().unwrap().to_owned();
    let original = std::fs::read(&sealed).unwrap();
    let out = dir.path().join("out");
    std::fs::write(&out, b"previous content").unwrap();
    // Header, first chunk, a tag, the middle and the very last byte.
    for position in [
        0,
        9,
        40,
        100,
        65_600,
        original.len() / 2,
        original.len() - 1,
    ] {
        let mut corrupted = original.clone();
        corrupted[position] ^= 0x80;
        let bad = dir.path().join("bad");
        std::fs::write(&bad, &corrupted).unwrap();
        let output = confide(&["data", "unseal", path(&bad), path(&out), "--key-file", &key]);
        assert!(
            matches!(output.status.code(), Some(1 | 3)),
            "byte {position}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("no output was written"),
            "{}",
            stderr(&output)
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            b"previous content",
            "byte {position}"
        );
    }
    // Truncation is an authentication failure: exit 3.
    let cut = dir.path().join("cut");
    std::fs::write(&cut, &original[..original.len() - 20]).unwrap();
    assert_code(
        &confide(&[
            "data",
            "unseal",
            path(&cut),
            path(&dir.path().join("o2")),
            "--key-file",
            &key,
        ]),
        3,
    );
    assert!(!dir.path().join("o2").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 6, "no temporary files left: {leftovers:?}");
}

#[test]
fn a_wrong_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("p");
    std::fs::write(&plain, b"secret").unwrap();
    seal(&plain, &dir.path().join("s"), &[]);
    let other = dir.path().join("other.key");
    std::fs::write(&other, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=").unwrap();
    let output = confide(&[
        "data",
        "unseal",
        path(&dir.path().join("s")),
        path(&dir.path().join("o")),
        "--key-file",
        path(&other),
    ]);
    assert_code(&output, 3);
    assert!(stderr(&output).contains("wrong key"), "{}", stderr(&output));
}

#[test]
fn reads_files_sealed_by_the_iexec_sdk() {
    let vectors = format!(
        "{}/../crypto/tests/vectors/sealing",
        std::env::var("CARGO_MANIFEST_DIR").unwrap()
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{vectors}/manifest.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, manifest["key_base64"].as_str().unwrap()).unwrap();
    let entry = manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["size"] == 100003 && f["format"] == "iexec-cbc")
        .unwrap();
    let sealed = format!("{vectors}/{}", entry["file"].as_str().unwrap());
    let out = dir.path().join("plain");
    let output = confide(&[
        "--json",
        "data",
        "unseal",
        &sealed,
        path(&out),
        "--key-file",
        path(&key),
    ]);
    assert_code(&output, 0);
    assert_eq!(json(&output)["format"], "iexec-cbc");
    assert_eq!(std::fs::read(&out).unwrap().len(), 100003);
}
