//! Result encryption for the beneficiary (devtools.md §2.5, §4.2, §4.3).
//!
//! A task's result is a zip (`iexec_out.zip`) encrypted for the beneficiary:
//!
//! - [`ResultFormat::Confide`] (default): HPKE (RFC 9180) base mode with
//!   DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; the HPKE exporter yields the key of
//!   a Confide seal stream (see [`crate::seal`]) carrying the payload. Streaming, authenticated,
//!   key-committing.
//! - [`ResultFormat::Iexec`]: iExec's zip of `aes-key.rsa` (RSA PKCS#1 v1.5) and
//!   `iexec_out.zip.aes` (AES-256-CBC), readable and writable; the older Java layout
//!   (base64, AES-128-ECB) is readable.
//!
//! [`decrypt_result`] detects the format; archives are size-checked before anything is
//! allocated and while streaming ([`ResultLimits`]). Byte layouts: `crates/crypto/FORMATS.md`,
//! section "Encrypted results".

mod any_key;
mod confide;
mod envelope;
mod error;
mod iexec;
mod keys;
mod limits;
mod pem;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

pub use any_key::{
    MIN_RSA_BITS, ResultDecryptionKey, ResultEncryptionKey, generate_rsa_private_key,
    rsa_private_key_to_pem,
};
pub use confide::{RESULT_HEADER_LEN, RESULT_MAGIC, RESULT_VERSION};
pub use envelope::{open_envelope, seal_envelope};
pub use error::{KeyKind, ResultError, ResultKeyError};
pub use iexec::{KEY_ENTRY, PAYLOAD_ENTRY};
pub use keys::{ResultKeyPair, ResultPublicKey, ResultSecretKey};
pub use limits::ResultLimits;
pub use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::seal::{AtomicFile, read_full};
use limits::LimitReader;

/// An encrypted-result format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ResultFormat {
    /// Confide's HPKE format (X25519 keys). The default.
    #[default]
    Confide,
    /// iExec's RSA + AES zip layout (RSA keys).
    Iexec,
}

impl ResultFormat {
    /// Detects the format from the first bytes: `CNFDRSLT` → Confide, a zip signature
    /// (`PK\x03\x04`, or `PK\x05\x06` for an empty archive) → iExec.
    pub fn detect(prefix: &[u8]) -> Option<Self> {
        if prefix.starts_with(&RESULT_MAGIC) {
            Some(Self::Confide)
        } else if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
            Some(Self::Iexec)
        } else {
            None
        }
    }

    /// The kind of key this format uses.
    pub fn key_kind(self) -> KeyKind {
        match self {
            Self::Confide => KeyKind::X25519,
            Self::Iexec => KeyKind::Rsa,
        }
    }
}

/// What an encryption or decryption produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultSummary {
    /// The format.
    pub format: ResultFormat,
    /// Plaintext (result zip) bytes.
    pub plaintext_bytes: u64,
}

/// Encrypts the result zip read from `reader` for `recipient` in Confide format.
pub fn encrypt_result<R: Read, W: Write>(
    recipient: &ResultPublicKey,
    reader: R,
    writer: W,
) -> Result<ResultSummary, ResultError> {
    let (plaintext_bytes, _) = confide::encrypt(recipient, reader, writer)?;
    Ok(ResultSummary {
        format: ResultFormat::Confide,
        plaintext_bytes,
    })
}

/// Encrypts the result zip read from `reader` for an RSA `recipient` in iExec's layout
/// (`encrypted-iexec_out.zip`, readable by iExec's `decryptResult`).
pub fn encrypt_result_iexec<R: Read, W: Write + Seek>(
    recipient: &RsaPublicKey,
    reader: R,
    writer: W,
) -> Result<ResultSummary, ResultError> {
    let (plaintext_bytes, _) = iexec::encrypt(recipient, reader, writer)?;
    Ok(ResultSummary {
        format: ResultFormat::Iexec,
        plaintext_bytes,
    })
}

/// Encrypts for `recipient` in the format its key type implies (X25519 → Confide,
/// RSA → iExec).
pub fn encrypt_result_for<R: Read, W: Write + Seek>(
    recipient: &ResultEncryptionKey,
    reader: R,
    writer: W,
) -> Result<ResultSummary, ResultError> {
    match recipient {
        ResultEncryptionKey::X25519(key) => encrypt_result(key, reader, writer),
        ResultEncryptionKey::Rsa(key) => encrypt_result_iexec(key, reader, writer),
    }
}

fn check_kind(format: ResultFormat, key: &ResultDecryptionKey) -> Result<(), ResultError> {
    if format.key_kind() == key.kind() {
        Ok(())
    } else {
        Err(ResultError::WrongKeyType {
            needed: format.key_kind(),
            got: key.kind(),
        })
    }
}

fn sniff<R: Read>(reader: &mut R) -> Result<(ResultFormat, [u8; 8], usize), ResultError> {
    let mut prefix = [0u8; 8];
    let got = read_full(reader, &mut prefix)?;
    let format =
        ResultFormat::detect(&prefix[..got]).ok_or_else(|| ResultError::UnknownFormat {
            found: prefix[..got].to_vec(),
        })?;
    Ok((format, prefix, got))
}

/// Decrypts an encrypted result read from `reader` into `writer`, detecting its format.
///
/// An iExec archive read from a non-seekable reader is first spooled to an anonymous
/// temporary file (at most `limits.max_archive_bytes`); use [`decrypt_result_file`] to avoid
/// that. Plaintext is written as it is decrypted: on error, discard what was written (or use
/// [`decrypt_result_file`], which leaves no output file).
pub fn decrypt_result<R: Read, W: Write>(
    mut reader: R,
    key: &ResultDecryptionKey,
    writer: W,
    limits: &ResultLimits,
) -> Result<ResultSummary, ResultError> {
    let (format, prefix, got) = sniff(&mut reader)?;
    check_kind(format, key)?;
    let prefix = &prefix[..got];
    let plaintext_bytes = match key {
        ResultDecryptionKey::X25519(secret) => confide::decrypt(secret, prefix, reader, writer)?,
        ResultDecryptionKey::Rsa(rsa_key) => {
            let mut spool = tempfile::tempfile()?;
            let mut limited = LimitReader::new(prefix.chain(reader), limits.max_archive_bytes);
            io::copy(&mut limited, &mut spool).map_err(|e| {
                if limits::is_marker::<limits::LimitExceeded>(&e) {
                    ResultError::TooLarge {
                        entry: "archive".to_string(),
                        limit: limits.max_archive_bytes,
                        got: limits.max_archive_bytes.saturating_add(1),
                    }
                } else {
                    ResultError::Io(e)
                }
            })?;
            spool.seek(SeekFrom::Start(0))?;
            iexec::decrypt(rsa_key, spool, writer, limits)?
        }
    };
    Ok(ResultSummary {
        format,
        plaintext_bytes,
    })
}

/// Decrypts the encrypted result file at `input` into `output`. The output appears only if
/// decryption fully succeeded; otherwise nothing is left and a pre-existing `output` is
/// untouched.
pub fn decrypt_result_file(
    input: impl AsRef<Path>,
    key: &ResultDecryptionKey,
    output: impl AsRef<Path>,
    limits: &ResultLimits,
) -> Result<ResultSummary, ResultError> {
    let mut file = File::open(input)?;
    let (format, prefix, got) = sniff(&mut file)?;
    check_kind(format, key)?;
    let mut out = AtomicFile::create(output)?;
    let plaintext_bytes = match key {
        ResultDecryptionKey::X25519(secret) => {
            confide::decrypt(secret, &prefix[..got], &mut file, &mut out)?
        }
        ResultDecryptionKey::Rsa(rsa_key) => {
            file.seek(SeekFrom::Start(0))?;
            iexec::decrypt(rsa_key, &mut file, &mut out, limits)?
        }
    };
    out.commit()?;
    Ok(ResultSummary {
        format,
        plaintext_bytes,
    })
}
