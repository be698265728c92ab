// Tests for the `result` module.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use confide_crypto::result::{
    self, KEY_ENTRY, KeyKind, PAYLOAD_ENTRY, RESULT_HEADER_LEN, ResultDecryptionKey,
    ResultEncryptionKey, ResultError, ResultFormat, ResultKeyError, ResultKeyPair, ResultLimits,
    ResultPublicKey, ResultSecretKey, RsaPrivateKey,
};
use confide_crypto::seal::SealError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn vectors() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/vectors/results")
}

fn read_vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors().join(name)).unwrap()
}

fn vector_text(name: &str) -> String {
    std::fs::read_to_string(vectors().join(name)).unwrap()
}

fn rsa_key() -> ResultDecryptionKey {
    ResultDecryptionKey::from_pem(&vector_text("rsa-private-pkcs8.pem")).unwrap()
}

fn decrypt(input: &[u8], key: &ResultDecryptionKey) -> Result<Vec<u8>, ResultError> {
    decrypt_with(input, key, &ResultLimits::default())
}

fn decrypt_with(
    input: &[u8],
    key: &ResultDecryptionKey,
    limits: &ResultLimits,
) -> Result<Vec<u8>, ResultError> {
    let mut out = Vec::new();
    let summary = result::decrypt_result(input, key, &mut out, limits)?;
    assert_eq!(summary.plaintext_bytes, out.len() as u64);
    Ok(out)
}

fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| ((i * 31 + 7) % 251) as u8).collect()
}

#[test]
fn iexec_vectors_decrypt_to_the_exact_plaintext() {
    let plaintext = read_vector("plaintext.zip");
    let pkcs8 = rsa_key();
    let pkcs1 = ResultDecryptionKey::from_pem(&vector_text("rsa-private-pkcs1.pem")).unwrap();
    assert_eq!(pkcs1.kind(), KeyKind::Rsa);
    for name in [
        "iexec-current.zip",
        "iexec-java-legacy.zip",
        "iexec-current-in-folder.zip",
    ] {
        let input = read_vector(name);
        assert_eq!(ResultFormat::detect(&input), Some(ResultFormat::Iexec));
        assert_eq!(
            decrypt(&input, &pkcs8).unwrap(),
            plaintext,
            "{name} (PKCS#8 key)"
        );
        assert_eq!(
            decrypt(&input, &pkcs1).unwrap(),
            plaintext,
            "{name} (PKCS#1 key)"
        );
        // From a seekable file, without spooling, with an all-or-nothing output.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("iexec_out.zip");
        let summary = result::decrypt_result_file(
            vectors().join(name),
            &pkcs8,
            &out,
            &ResultLimits::default(),
        )
        .unwrap();
        assert_eq!(summary.format, ResultFormat::Iexec);
        assert_eq!(std::fs::read(&out).unwrap(), plaintext);
    }
}

#[test]
fn confide_vector_from_an_independent_implementation_decrypts() {
    let plaintext = read_vector("plaintext.zip");
    let input = read_vector("confide-result.bin");
    assert_eq!(ResultFormat::detect(&input), Some(ResultFormat::Confide));
    let secret = ResultSecretKey::from_pem(&vector_text("x25519-private.pem")).unwrap();
    let public = ResultPublicKey::from_pem(&vector_text("x25519-public.pem")).unwrap();
    assert_eq!(secret.public_key(), public);
    let key = ResultDecryptionKey::from_pem(&vector_text("x25519-private.pem")).unwrap();
    assert_eq!(key.kind(), KeyKind::X25519);
    assert_eq!(decrypt(&input, &key).unwrap(), plaintext);
    // Written by Node with 4 KiB chunks: several chunks.
    assert_eq!(input[RESULT_HEADER_LEN + 10], 12);
    assert!(plaintext.len() > 2 * 4096);
}

#[test]
fn confide_round_trips() {
    let pair = ResultKeyPair::generate().unwrap();
    let key = ResultDecryptionKey::X25519(pair.secret().clone());
    for size in [0, 1, 65535, 65536, 200_000] {
        let data = pattern(size);
        let mut encrypted = Vec::new();
        let summary = result::encrypt_result(pair.public(), &data[..], &mut encrypted).unwrap();
        assert_eq!(summary.format, ResultFormat::Confide);
        assert_eq!(summary.plaintext_bytes, size as u64);
        assert_eq!(&encrypted[..8], b"CNFDRSLT");
        assert_eq!(&encrypted[8..15], &[1, 0x00, 0x20, 0x00, 0x01, 0x00, 0x02]);
        assert_eq!(
            &encrypted[RESULT_HEADER_LEN..RESULT_HEADER_LEN + 8],
            b"CNFDSEAL"
        );
        assert_eq!(decrypt(&encrypted, &key).unwrap(), data, "size {size}");
    }
}

#[test]
fn iexec_round_trips_and_uses_root_entries() {
    let key = rsa_key();
    let ResultEncryptionKey::Rsa(public) = key.encryption_key() else {
        panic!("expected RSA");
    };
    for size in [0, 1, 100_000] {
        let data = pattern(size);
        let mut archive = Cursor::new(Vec::new());
        let summary = result::encrypt_result_iexec(&public, &data[..], &mut archive).unwrap();
        assert_eq!(summary.format, ResultFormat::Iexec);
        let archive = archive.into_inner();
        let zip = zip::ZipArchive::new(Cursor::new(&archive[..])).unwrap();
        let mut names: Vec<_> = zip.file_names().collect();
        names.sort();
        assert_eq!(names, vec![KEY_ENTRY, PAYLOAD_ENTRY]);
        assert_eq!(decrypt(&archive, &key).unwrap(), data);
    }
    // The dispatcher picks the layout from the key type.
    let mut archive = Cursor::new(Vec::new());
    result::encrypt_result_for(&key.encryption_key(), &b"abc"[..], &mut archive).unwrap();
    assert_eq!(
        ResultFormat::detect(archive.get_ref()),
        Some(ResultFormat::Iexec)
    );
}

#[test]
fn wrong_keys_fail_precisely() {
    let pair = ResultKeyPair::generate().unwrap();
    let mut encrypted = Vec::new();
    result::encrypt_result(pair.public(), &b"secret result"[..], &mut encrypted).unwrap();
    let other = ResultDecryptionKey::X25519(ResultSecretKey::generate().unwrap());
    let mut out = Vec::new();
    let err = result::decrypt_result(&encrypted[..], &other, &mut out, &ResultLimits::default())
        .unwrap_err();
    assert!(matches!(err, ResultError::NotForThisKey), "{err}");
    assert!(out.is_empty());

    // Wrong key type, both ways.
    assert!(matches!(
        decrypt(&encrypted, &rsa_key()),
        Err(ResultError::WrongKeyType {
            needed: KeyKind::X25519,
            got: KeyKind::Rsa
        })
    ));
    assert!(matches!(
        decrypt(&read_vector("iexec-current.zip"), &other),
        Err(ResultError::WrongKeyType {
            needed: KeyKind::Rsa,
            got: KeyKind::X25519
        })
    ));

    // Another RSA key, on both iExec layouts.
    let wrong_rsa = ResultDecryptionKey::Rsa(Box::new(
        RsaPrivateKey::new(&mut rand::rngs::OsRng, 1024).unwrap(),
    ));
    for name in ["iexec-current.zip", "iexec-java-legacy.zip"] {
        let err = decrypt(&read_vector(name), &wrong_rsa).unwrap_err();
        assert!(matches!(err, ResultError::NotForThisKey), "{name}: {err}");
    }
}

#[test]
fn tampered_confide_results_fail_precisely() {
    let pair = ResultKeyPair::generate().unwrap();
    let key = ResultDecryptionKey::X25519(pair.secret().clone());
    let mut encrypted = Vec::new();
    result::encrypt_result(pair.public(), &pattern(150_000)[..], &mut encrypted).unwrap();

    let flipped = |at: usize| {
        let mut bad = encrypted.clone();
        bad[at] ^= 0x01;
        decrypt(&bad, &key).unwrap_err()
    };
    assert!(matches!(flipped(0), ResultError::UnknownFormat { .. }));
    assert!(matches!(
        flipped(8),
        ResultError::UnsupportedVersion {
            found: 0,
            supported: 1
        }
    ));
    assert!(matches!(
        flipped(10),
        ResultError::UnsupportedSuite {
            kem: 0x0021,
            kdf: 1,
            aead: 2
        }
    ));
    assert!(matches!(
        flipped(14),
        ResultError::UnsupportedSuite { aead: 3, .. }
    ));
    // Another encapsulated key derives another payload key: the commitment catches it.
    assert!(matches!(flipped(20), ResultError::NotForThisKey));
    // Inside the payload's seal stream.
    let payload = RESULT_HEADER_LEN + 64;
    assert!(matches!(
        flipped(payload + 5),
        ResultError::Payload(SealError::ChunkAuthentication { index: 0 })
    ));
    assert!(matches!(
        flipped(encrypted.len() - 1),
        ResultError::Payload(SealError::ChunkAuthentication { index: 2 })
    ));
    assert!(matches!(
        decrypt(&encrypted[..payload + 65536 + 16], &key),
        Err(ResultError::Payload(SealError::Truncated { chunks: 1 }))
    ));
    assert!(matches!(
        decrypt(&encrypted[..30], &key),
        Err(ResultError::TruncatedHeader {
            got: 30,
            expected: 47
        })
    ));
    // An all-zero (low-order) encapsulated key is refused by HPKE.
    let mut zero_enc = encrypted.clone();
    zero_enc[15..47].fill(0);
    assert!(matches!(
        decrypt(&zero_enc, &key),
        Err(ResultError::InvalidEncapsulatedKey)
    ));
    assert!(matches!(
        decrypt(b"hello world", &key),
        Err(ResultError::UnknownFormat { found }) if found == b"hello wo"
    ));
}

/// Builds a zip with the given (name, data, compression) entries.
fn build_zip(entries: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, method) in entries {
        zip.start_file(
            *name,
            SimpleFileOptions::default().compression_method(*method),
        )
        .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The entries of an iExec vector, to rebuild variants of it.
fn vector_entries(name: &str) -> (Vec<u8>, Vec<u8>) {
    let mut zip = zip::ZipArchive::new(Cursor::new(read_vector(name))).unwrap();
    let mut get = |entry: &str| {
        let mut out = Vec::new();
        zip.by_name(entry).unwrap().read_to_end(&mut out).unwrap();
        out
    };
    (get(KEY_ENTRY), get(PAYLOAD_ENTRY))
}

#[test]
fn hostile_archives_are_refused() {
    let key = rsa_key();
    let (wrapped, payload) = vector_entries("iexec-current.zip");
    let stored = CompressionMethod::Stored;
    let deflated = CompressionMethod::Deflated;

    // Rebuilt archive decrypts (sanity check of the helper).
    let good = build_zip(&[
        (KEY_ENTRY, &wrapped, stored),
        (PAYLOAD_ENTRY, &payload, deflated),
    ]);
    assert_eq!(decrypt(&good, &key).unwrap(), read_vector("plaintext.zip"));

    // Missing and duplicated entries.
    let missing = build_zip(&[(KEY_ENTRY, &wrapped, stored)]);
    assert!(matches!(
        decrypt(&missing, &key),
        Err(ResultError::MissingEntry(PAYLOAD_ENTRY))
    ));
    let missing_key = build_zip(&[(PAYLOAD_ENTRY, &payload, stored)]);
    assert!(matches!(
        decrypt(&missing_key, &key),
        Err(ResultError::MissingEntry(KEY_ENTRY))
    ));
    let nested = build_zip(&[
        ("a/b/aes-key.rsa", &wrapped, stored),
        (PAYLOAD_ENTRY, &payload, stored),
    ]);
    assert!(matches!(
        decrypt(&nested, &key),
        Err(ResultError::MissingEntry(KEY_ENTRY))
    ));
    let duplicated = build_zip(&[
        (KEY_ENTRY, &wrapped, stored),
        ("encrypted-iexec_out/aes-key.rsa", &wrapped, stored),
        (PAYLOAD_ENTRY, &payload, stored),
    ]);
    assert!(matches!(
        decrypt(&duplicated, &key),
        Err(ResultError::DuplicateEntry(KEY_ENTRY))
    ));

    // Oversized key entry (declared size).
    let big_key = vec![b'A'; 2000];
    let oversized = build_zip(&[
        (KEY_ENTRY, &big_key, deflated),
        (PAYLOAD_ENTRY, &payload, stored),
    ]);
    assert!(matches!(
        decrypt(&oversized, &key),
        Err(ResultError::TooLarge { entry, limit: 1000, got: 2000 }) if entry == KEY_ENTRY
    ));

    // A zip bomb: 8 MiB of zeros deflate to a few KiB; refused on its declared size.
    let zeros = vec![0u8; 8 << 20];
    let bomb = build_zip(&[
        (KEY_ENTRY, &wrapped, stored),
        (PAYLOAD_ENTRY, &zeros, deflated),
    ]);
    assert!(bomb.len() < 64 * 1024);
    let limits = ResultLimits {
        max_payload_entry_bytes: 1 << 20,
        ..ResultLimits::default()
    };
    assert!(matches!(
        decrypt_with(&bomb, &key, &limits),
        Err(ResultError::TooLarge { entry, limit, got }) if entry == PAYLOAD_ENTRY && limit == 1 << 20 && got == 8 << 20
    ));

    // The same bomb with forged (small) declared sizes: caught while reading.
    let forged = forge_uncompressed_size(&bomb, PAYLOAD_ENTRY, 1000);
    let mut out = Vec::new();
    let err = result::decrypt_result(&forged[..], &key, &mut out, &limits).unwrap_err();
    assert!(
        matches!(&err, ResultError::TooLarge { entry, limit, got } if entry == PAYLOAD_ENTRY && *limit == 1 << 20 && *got == (1 << 20) + 1),
        "{err}"
    );
    assert!(out.len() <= 1 << 20);

    // Too many entries.
    let filler = [0u8; 1];
    let names: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
    let mut entries: Vec<(&str, &[u8], CompressionMethod)> = vec![
        (KEY_ENTRY, &wrapped, stored),
        (PAYLOAD_ENTRY, &payload, stored),
    ];
    entries.extend(names.iter().map(|n| (n.as_str(), &filler[..], stored)));
    let crowded = build_zip(&entries);
    assert!(matches!(
        decrypt(&crowded, &key),
        Err(ResultError::TooManyEntries {
            limit: 64,
            got: 102
        })
    ));

    // Archive larger than allowed from a non-seekable reader.
    let small = ResultLimits {
        max_archive_bytes: 1000,
        ..ResultLimits::default()
    };
    assert!(matches!(
        decrypt_with(&good, &key, &small),
        Err(ResultError::TooLarge { entry, limit: 1000, .. }) if entry == "archive"
    ));

    // Not a zip at all after the signature.
    assert!(matches!(
        decrypt(b"PK\x03\x04garbage", &key),
        Err(ResultError::Corrupt(_))
    ));
}

/// Rewrites the uncompressed size of `entry` in its local and central headers.
fn forge_uncompressed_size(zip: &[u8], entry: &str, size: u32) -> Vec<u8> {
    let mut out = zip.to_vec();
    let name = entry.as_bytes();
    let mut patched = 0;
    for at in 0..out.len().saturating_sub(46) {
        let (signature, size_at, name_at) = match &out[at..at + 4] {
            b"PK\x03\x04" => ("local", at + 22, at + 30),
            b"PK\x01\x02" => ("central", at + 24, at + 46),
            _ => continue,
        };
        let name_len_at = if signature == "local" {
            at + 26
        } else {
            at + 28
        };
        let name_len = u16::from_le_bytes([out[name_len_at], out[name_len_at + 1]]) as usize;
        if out.get(name_at..name_at + name_len) == Some(name) {
            out[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local and central headers patched");
    out
}

#[test]
fn legacy_layout_errors() {
    let key = rsa_key();
    let (wrapped, payload) = vector_entries("iexec-java-legacy.zip");
    let stored = CompressionMethod::Stored;
    let mut bad_payload = payload.clone();
    bad_payload[10] = b'!';
    let archive = build_zip(&[
        (KEY_ENTRY, &wrapped, stored),
        (PAYLOAD_ENTRY, &bad_payload, stored),
    ]);
    assert!(matches!(
        decrypt(&archive, &key),
        Err(ResultError::InvalidBase64 {
            entry: PAYLOAD_ENTRY
        })
    ));
    // Dropping the last base64 quad (3 bytes) breaks the block alignment.
    let truncated = &payload[..payload.len() - 4];
    let archive = build_zip(&[
        (KEY_ENTRY, &wrapped, stored),
        (PAYLOAD_ENTRY, truncated, stored),
    ]);
    assert!(matches!(
        decrypt(&archive, &key),
        Err(ResultError::Payload(SealError::CbcNotBlockAligned { .. }))
    ));

    // A Java-layout archive built here whose last block has an invalid padding byte (0x00).
    use aes::cipher::{BlockEncrypt, KeyInit};
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let aes_key = [7u8; 16];
    let ResultEncryptionKey::Rsa(public) = key.encryption_key() else {
        panic!("expected RSA");
    };
    let wrapped = public
        .encrypt(
            &mut rand::rngs::OsRng,
            rsa::Pkcs1v15Encrypt,
            b64.encode(aes_key).as_bytes(),
        )
        .unwrap();
    let cipher = aes::Aes128::new(&aes_key.into());
    let mut blocks = [[0x41u8; 16], [0x42u8; 16]];
    blocks[1][15] = 0x00;
    let mut ciphertext = Vec::new();
    for block in blocks {
        let mut block = block.into();
        cipher.encrypt_block(&mut block);
        ciphertext.extend_from_slice(&block);
    }
    let archive = build_zip(&[
        (KEY_ENTRY, b64.encode(&wrapped).as_bytes(), stored),
        (PAYLOAD_ENTRY, b64.encode(&ciphertext).as_bytes(), stored),
    ]);
    assert!(matches!(
        decrypt(&archive, &key),
        Err(ResultError::Payload(SealError::CbcBadPadding))
    ));
    // The same with valid padding (sixteen 0x10) decrypts to the first block.
    let mut last = [0x10u8; 16].into();
    cipher.encrypt_block(&mut last);
    ciphertext[16..].copy_from_slice(&last);
    let archive = build_zip(&[
        (KEY_ENTRY, b64.encode(&wrapped).as_bytes(), stored),
        (PAYLOAD_ENTRY, b64.encode(&ciphertext).as_bytes(), stored),
    ]);
    assert_eq!(decrypt(&archive, &key).unwrap(), [0x41u8; 16]);

    // Current layout: payload not block-aligned.
    let (wrapped, payload) = vector_entries("iexec-current.zip");
    let archive = build_zip(&[
        (KEY_ENTRY, &wrapped, stored),
        (PAYLOAD_ENTRY, &payload[..payload.len() - 3], stored),
    ]);
    assert!(matches!(
        decrypt(&archive, &key),
        Err(ResultError::Payload(SealError::CbcNotBlockAligned { .. }))
    ));
}

#[test]
fn decrypt_result_file_leaves_nothing_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let pair = ResultKeyPair::generate().unwrap();
    let input = dir.path().join("result.bin");
    let mut encrypted = Vec::new();
    result::encrypt_result(pair.public(), &pattern(100_000)[..], &mut encrypted).unwrap();
    *encrypted.last_mut().unwrap() ^= 1;
    std::fs::write(&input, &encrypted).unwrap();
    let out = dir.path().join("out.zip");
    let key = ResultDecryptionKey::X25519(pair.secret().clone());
    let err =
        result::decrypt_result_file(&input, &key, &out, &ResultLimits::default()).unwrap_err();
    assert!(matches!(
        err,
        ResultError::Payload(SealError::ChunkAuthentication { index: 1 })
    ));
    assert!(!out.exists());
    std::fs::write(&out, b"keep me").unwrap();
    assert!(result::decrypt_result_file(&input, &key, &out, &ResultLimits::default()).is_err());
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn key_encodings() {
    let pair = ResultKeyPair::generate().unwrap();
    let secret_pem = pair.secret().to_pem();
    let public_pem = pair.public().to_pem();
    assert!(secret_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert_eq!(
        ResultSecretKey::from_pem(&secret_pem).unwrap().as_bytes(),
        pair.secret().as_bytes()
    );
    assert_eq!(
        ResultPublicKey::from_pem(&public_pem).unwrap(),
        *pair.public()
    );
    assert_eq!(
        ResultSecretKey::from_base64(&pair.secret().to_base64())
            .unwrap()
            .as_bytes(),
        pair.secret().as_bytes()
    );
    assert_eq!(
        ResultPublicKey::from_base64(&pair.public().to_base64()).unwrap(),
        *pair.public()
    );
    assert!(matches!(
        ResultPublicKey::from_base64("AAAA"),
        Err(ResultKeyError::WrongLength {
            expected: 32,
            got: 3
        })
    ));
    // Node-exported PEMs (independent encoder) parse strictly.
    let node_public = vector_text("x25519-public.pem");
    assert_eq!(
        ResultPublicKey::from_pem(&node_public).unwrap().to_pem(),
        node_public,
        "our encoding is byte-identical to Node's"
    );
    let node_secret = vector_text("x25519-private.pem");
    assert_eq!(
        *ResultSecretKey::from_pem(&node_secret).unwrap().to_pem(),
        node_secret
    );

    // Encryption keys: X25519 PEM, RSA SPKI / PKCS#1, iExec's base64-of-PEM, raw base64.
    assert_eq!(
        ResultEncryptionKey::parse(&public_pem).unwrap(),
        ResultEncryptionKey::X25519(*pair.public())
    );
    assert_eq!(
        ResultEncryptionKey::parse(&pair.public().to_base64()).unwrap(),
        ResultEncryptionKey::X25519(*pair.public())
    );
    let spki = ResultEncryptionKey::from_pem(&vector_text("rsa-public-spki.pem")).unwrap();
    let pkcs1 = ResultEncryptionKey::from_pem(&vector_text("rsa-public-pkcs1.pem")).unwrap();
    assert_eq!(spki.kind(), KeyKind::Rsa);
    assert_eq!(spki, pkcs1);
    assert_eq!(spki, rsa_key().encryption_key());
    use base64::Engine as _;
    let sms_value =
        base64::engine::general_purpose::STANDARD.encode(vector_text("rsa-public-spki.pem"));
    assert_eq!(ResultEncryptionKey::parse(&sms_value).unwrap(), spki);
    assert_eq!(
        ResultEncryptionKey::from_pem(&spki.to_pem().unwrap()).unwrap(),
        spki
    );

    // Label checks and no secrets in Debug.
    assert!(matches!(
        ResultDecryptionKey::from_pem(&public_pem),
        Err(ResultKeyError::UnexpectedLabel { .. })
    ));
    assert!(matches!(
        ResultEncryptionKey::from_pem(&secret_pem),
        Err(ResultKeyError::UnexpectedLabel { .. })
    ));
    let debug = format!(
        "{:?} {:?}",
        rsa_key(),
        ResultDecryptionKey::X25519(pair.secret().clone())
    );
    assert!(debug.contains("redacted") && !debug.contains(&*pair.secret().to_base64()));
    assert!(debug.contains("2048-bit"));
    assert!(!format!("{pair:?}").contains(&*pair.secret().to_base64()));
}
