//! Errors of the result module.

use std::fmt;
use std::io;

use crate::seal::SealError;

/// The kind of a result key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// X25519 (Confide's HPKE format).
    X25519,
    /// RSA (iExec's legacy format).
    Rsa,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::X25519 => "X25519",
            Self::Rsa => "RSA",
        })
    }
}

/// Why a result key could not be parsed or generated. Never contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultKeyError {
    /// The text is not a PEM block.
    #[error("not a PEM key: {0}")]
    Pem(&'static str),
    /// The PEM label is not one accepted here.
    #[error("unexpected PEM label \"{found}\" (expected {expected})")]
    UnexpectedLabel {
        /// What was accepted.
        expected: &'static str,
        /// The label found.
        found: String,
    },
    /// The DER body is not the RFC 8410 X25519 structure.
    #[error("not an RFC 8410 X25519 {what}: {got} bytes of DER with an unexpected prefix")]
    NotX25519 {
        /// Which structure was expected.
        what: &'static str,
        /// DER length.
        got: usize,
    },
    /// A raw key of the wrong length.
    #[error("wrong key length: expected {expected} bytes, got {got}")]
    WrongLength {
        /// Expected length.
        expected: usize,
        /// Length found.
        got: usize,
    },
    /// Invalid base64.
    #[error("key is not valid base64")]
    InvalidBase64,
    /// The RSA key could not be decoded.
    #[error("invalid RSA key: {0}")]
    Rsa(String),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
}

/// Errors of result encryption and decryption.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultError {
    /// Reading the input or writing the output failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// Neither a Confide result (`CNFDRSLT`) nor a zip archive.
    #[error("not an encrypted result: starts with {found:02x?}, expected \"CNFDRSLT\" or a zip")]
    UnknownFormat {
        /// The first bytes (up to 8).
        found: Vec<u8>,
    },
    /// The key is of the wrong type for this result's format.
    #[error("this result needs an {needed} key, got an {got} key")]
    WrongKeyType {
        /// Kind the format needs.
        needed: KeyKind,
        /// Kind supplied.
        got: KeyKind,
    },
    /// The result was not encrypted for this key.
    #[error(
        "wrong key: this result was not encrypted for this key (or its header was tampered with)"
    )]
    NotForThisKey,
    /// The encrypted payload is damaged (failed authentication, truncated, bad padding...).
    #[error("encrypted payload is damaged: {0}")]
    Payload(SealError),
    /// The header's version is not one this library reads.
    #[error("unsupported result format version {found} (this library reads version {supported})")]
    UnsupportedVersion {
        /// Version found.
        found: u8,
        /// Version supported.
        supported: u8,
    },
    /// The HPKE suite is not DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM.
    #[error(
        "unsupported HPKE suite kem={kem:#06x} kdf={kdf:#06x} aead={aead:#06x} \
         (supported: 0x0020/0x0001/0x0002)"
    )]
    UnsupportedSuite {
        /// KEM id.
        kem: u16,
        /// KDF id.
        kdf: u16,
        /// AEAD id.
        aead: u16,
    },
    /// The input ended inside the result header.
    #[error("encrypted result header is truncated: got {got} of {expected} bytes")]
    TruncatedHeader {
        /// Bytes available.
        got: usize,
        /// Header length.
        expected: usize,
    },
    /// The encapsulated key is invalid (e.g. a low-order point).
    #[error("invalid HPKE encapsulated key in the result header")]
    InvalidEncapsulatedKey,
    /// The zip archive is malformed or uses unsupported features.
    #[error("corrupt or unsupported result archive: {0}")]
    Corrupt(String),
    /// A required archive entry is missing.
    #[error("result archive has no {0} entry")]
    MissingEntry(&'static str),
    /// A required archive entry appears more than once.
    #[error("result archive has more than one {0} entry")]
    DuplicateEntry(&'static str),
    /// An entry (or the archive) exceeds its size limit. `got` is the declared size, or the
    /// first size seen above the limit while reading.
    #[error("{entry} is too large: {got} bytes, limit {limit}")]
    TooLarge {
        /// Entry name, or "archive".
        entry: String,
        /// The limit.
        limit: u64,
        /// The size found.
        got: u64,
    },
    /// The archive has too many entries.
    #[error("result archive has {got} entries, limit {limit}")]
    TooManyEntries {
        /// The limit.
        limit: usize,
        /// Entries found.
        got: usize,
    },
    /// The decrypted AES key has a length that selects no known layout.
    #[error(
        "decrypted result key has {got} bytes (expected 32 for AES-256-CBC or 16 for legacy AES-128-ECB)"
    )]
    UnsupportedAesKeyLength {
        /// Length found.
        got: usize,
    },
    /// A base64 entry of the legacy layout is not valid base64.
    #[error("{entry} is not valid base64")]
    InvalidBase64 {
        /// Entry name.
        entry: &'static str,
    },
    /// Encrypting for the RSA key failed (e.g. modulus too small).
    #[error("RSA encryption failed: {0}")]
    RsaEncrypt(String),
    /// A key could not be parsed.
    #[error(transparent)]
    Key(#[from] ResultKeyError),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
    /// A cryptographic primitive rejected its input (a bug, not bad data).
    #[error("internal cryptographic error: {0}")]
    Internal(&'static str),
}

impl ResultError {
    /// Whether the result was read but does not decrypt under the key: wrong key or tampered
    /// data (as opposed to I/O errors, unknown formats or limits).
    pub fn is_authentication_failure(&self) -> bool {
        match self {
            Self::NotForThisKey => true,
            Self::Payload(error) => error.is_authentication_failure(),
            _ => false,
        }
    }
}
