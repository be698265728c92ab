//! iExec's result layout (devtools.md §2.5, §4.2): a zip holding `aes-key.rsa` and
//! `iexec_out.zip.aes`.
//!
//! - Current (Rust post-compute): `aes-key.rsa` = RSA PKCS#1 v1.5 encryption of a raw 32-byte
//!   AES key; `iexec_out.zip.aes` = 16-byte IV || AES-256-CBC/PKCS#7 of the result zip.
//! - Legacy (Java post-compute): `aes-key.rsa` = base64 text of the RSA ciphertext of the
//!   base64 of a 16-byte AES key; `iexec_out.zip.aes` = base64 text of AES-128-ECB/PKCS#7.
//!
//! iExec's worker zips the *contents* of its `encrypted-iexec_out/` folder, so the entries
//! are at the archive root, which is also where iExec's `decryptResult` looks them up. We write
//! them there, and read them either at the root or inside one folder.

use std::io::{Read, Seek, Write};

use aes::Aes128;
use aes::cipher::KeyInit;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::error::ResultError;
use super::limits::{
    Base64Reader, InvalidBase64, LimitExceeded, LimitReader, ResultLimits, is_marker,
};
use crate::seal::cbc::{self, Decryptor};
use crate::seal::{SealError, SealKey};

/// Name of the entry holding the RSA-encrypted AES key.
pub const KEY_ENTRY: &str = "aes-key.rsa";
/// Name of the entry holding the AES-encrypted result zip.
pub const PAYLOAD_ENTRY: &str = "iexec_out.zip.aes";

fn zip_error(error: ZipError) -> ResultError {
    match error {
        ZipError::Io(e) => ResultError::Io(e),
        other => ResultError::Corrupt(other.to_string()),
    }
}

/// Index of the single entry named `name` at the root or inside one folder.
fn find_entry<R: Read + Seek>(
    archive: &ZipArchive<R>,
    name: &'static str,
) -> Result<usize, ResultError> {
    let mut found = None;
    for index in 0..archive.len() {
        let Some(entry_name) = archive.name_for_index(index) else {
            continue;
        };
        let matches = entry_name == name
            || entry_name
                .strip_suffix(name)
                .and_then(|folder| folder.strip_suffix('/'))
                .is_some_and(|folder| !folder.is_empty() && !folder.contains('/'));
        if matches {
            if found.is_some() {
                return Err(ResultError::DuplicateEntry(name));
            }
            found = Some(index);
        }
    }
    found.ok_or(ResultError::MissingEntry(name))
}

/// Decrypts an iExec-layout result archive into `writer`; returns the plaintext byte count.
pub(crate) fn decrypt<R: Read + Seek, W: Write>(
    key: &RsaPrivateKey,
    archive: R,
    writer: W,
    limits: &ResultLimits,
) -> Result<u64, ResultError> {
    let mut archive = ZipArchive::new(archive).map_err(zip_error)?;
    if archive.len() > limits.max_entries {
        return Err(ResultError::TooManyEntries {
            limit: limits.max_entries,
            got: archive.len(),
        });
    }
    let key_index = find_entry(&archive, KEY_ENTRY)?;
    let payload_index = find_entry(&archive, PAYLOAD_ENTRY)?;

    let wrapped_key = {
        let entry = archive.by_index(key_index).map_err(zip_error)?;
        check_declared(KEY_ENTRY, entry.size(), limits.max_key_entry_bytes)?;
        let mut bytes = Vec::new();
        LimitReader::new(entry, limits.max_key_entry_bytes)
            .read_to_end(&mut bytes)
            .map_err(|e| entry_read_error(KEY_ENTRY, limits.max_key_entry_bytes, e))?;
        bytes
    };
    let aes_key = unwrap_aes_key(key, &wrapped_key)?;

    let entry = archive.by_index(payload_index).map_err(zip_error)?;
    check_declared(PAYLOAD_ENTRY, entry.size(), limits.max_payload_entry_bytes)?;
    let payload = LimitReader::new(entry, limits.max_payload_entry_bytes);
    let result = match aes_key.len() {
        32 => {
            let key =
                SealKey::from_bytes(&aes_key).map_err(|_| ResultError::Internal("AES key"))?;
            cbc::unseal(key.as_bytes(), &[], payload, writer)
        }
        16 => {
            let cipher = Aes128::new_from_slice(&aes_key)
                .map_err(|_| ResultError::Internal("AES-128 key"))?;
            cbc::decrypt_padded_stream(
                Decryptor::Ecb128(Box::new(cipher)),
                Base64Reader::new(payload),
                writer,
            )
        }
        got => return Err(ResultError::UnsupportedAesKeyLength { got }),
    };
    match result {
        Ok(counts) => Ok(counts.plaintext),
        Err(SealError::Io(e)) => Err(entry_read_error(
            PAYLOAD_ENTRY,
            limits.max_payload_entry_bytes,
            e,
        )),
        Err(other) => Err(ResultError::Payload(other)),
    }
}

fn check_declared(entry: &str, declared: u64, limit: u64) -> Result<(), ResultError> {
    if declared > limit {
        return Err(ResultError::TooLarge {
            entry: entry.to_string(),
            limit,
            got: declared,
        });
    }
    Ok(())
}

fn entry_read_error(entry: &'static str, limit: u64, error: std::io::Error) -> ResultError {
    if is_marker::<LimitExceeded>(&error) {
        ResultError::TooLarge {
            entry: entry.to_string(),
            limit,
            got: limit.saturating_add(1),
        }
    } else if is_marker::<InvalidBase64>(&error) {
        ResultError::InvalidBase64 { entry }
    } else if error.kind() == std::io::ErrorKind::InvalidData {
        // The zip reader reports bad deflate data and CRC mismatches this way.
        ResultError::Corrupt(format!("{entry}: {error}"))
    } else {
        ResultError::Io(error)
    }
}

/// Recovers the AES key from `aes-key.rsa`: raw RSA ciphertext of the raw key (current), or
/// base64 text of the RSA ciphertext of the base64 of the key (legacy Java), tried in this
/// order as iExec's `decryptResult` does.
fn unwrap_aes_key(key: &RsaPrivateKey, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, ResultError> {
    if let Ok(raw) = key.decrypt(Pkcs1v15Encrypt, wrapped) {
        return Ok(Zeroizing::new(raw));
    }
    let Some(ciphertext) = decode_base64_text(wrapped) else {
        return Err(ResultError::NotForThisKey);
    };
    let encoded = Zeroizing::new(
        key.decrypt(Pkcs1v15Encrypt, &ciphertext)
            .map_err(|_| ResultError::NotForThisKey)?,
    );
    decode_base64_text(&encoded)
        .map(Zeroizing::new)
        .ok_or(ResultError::InvalidBase64 { entry: KEY_ENTRY })
}

fn decode_base64_text(text: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// Writes an iExec-layout (current) result archive: a fresh AES-256 key wrapped with RSA
/// PKCS#1 v1.5 for `recipient`, and IV || AES-256-CBC/PKCS#7 of `reader`. Entries are stored
/// uncompressed (ciphertext does not compress). Returns (plaintext, archive) byte counts.
pub(crate) fn encrypt<R: Read, W: Write + Seek>(
    recipient: &RsaPublicKey,
    reader: R,
    writer: W,
) -> Result<(u64, u64), ResultError> {
    let aes_key = SealKey::generate().map_err(|_| ResultError::Rng)?;
    let wrapped = recipient
        .encrypt(&mut rand::rngs::OsRng, Pkcs1v15Encrypt, aes_key.as_bytes())
        .map_err(|e| ResultError::RsaEncrypt(e.to_string()))?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(writer);
    zip.start_file(KEY_ENTRY, options).map_err(zip_error)?;
    zip.write_all(&wrapped)?;
    zip.start_file(PAYLOAD_ENTRY, options).map_err(zip_error)?;
    let counts = cbc::seal(aes_key.as_bytes(), reader, &mut zip).map_err(|e| match e {
        SealError::Io(io) => ResultError::Io(io),
        other => ResultError::Payload(other),
    })?;
    let mut inner = zip.finish().map_err(zip_error)?;
    let end = inner.stream_position()?;
    Ok((counts.plaintext, end))
}
