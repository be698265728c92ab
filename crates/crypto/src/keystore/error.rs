//! Errors of the [`keystore`](super) module.

use std::{io, path::PathBuf};

use alloy_primitives::{Address, hex};

/// Everything that can go wrong reading, decrypting, encrypting or storing a keystore.
///
/// No variant ever carries the password, the derived key or the private key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeystoreError {
    /// The file is larger than any keystore should be (read is refused before parsing).
    #[error("keystore is {got} bytes, larger than the {max}-byte limit")]
    TooLarge {
        /// Size of the input in bytes.
        got: u64,
        /// Largest accepted size.
        max: u64,
    },
    /// The input is not JSON, or lacks a field / has a field of the wrong JSON type.
    #[error("malformed keystore JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The `version` field is missing or is not 3.
    #[error("unsupported keystore version {got} (expected 3)")]
    UnsupportedVersion {
        /// The `version` value as found in the file (JSON text, truncated), or `missing`.
        got: String,
    },
    /// The `kdf` is neither `scrypt` nor `pbkdf2`.
    #[error("unsupported key derivation function {0:?} (expected \"scrypt\" or \"pbkdf2\")")]
    UnsupportedKdf(String),
    /// The pbkdf2 `prf` is not `hmac-sha256`.
    #[error("unsupported pbkdf2 pseudo-random function {0:?} (expected \"hmac-sha256\")")]
    UnsupportedPrf(String),
    /// The `cipher` is not `aes-128-ctr`.
    #[error("unsupported cipher {0:?} (expected \"aes-128-ctr\")")]
    UnsupportedCipher(String),
    /// A hex field does not decode.
    #[error("field `{field}` is not valid hex: {source}")]
    Hex {
        /// JSON path of the field.
        field: &'static str,
        /// Decoder error.
        #[source]
        source: hex::FromHexError,
    },
    /// A fixed-size field (iv, ciphertext, mac, address) has the wrong length.
    #[error("field `{field}` is {got} bytes, expected {expected}")]
    Length {
        /// JSON path of the field.
        field: &'static str,
        /// Required length in bytes.
        expected: usize,
        /// Length found.
        got: usize,
    },
    /// A KDF parameter is above what we are willing to run (or to write).
    #[error("{param} = {got} exceeds the maximum {max}")]
    ParamOutOfRange {
        /// Which parameter.
        param: &'static str,
        /// Value found.
        got: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A KDF parameter is below its minimum.
    #[error("{param} = {got} is below the minimum {min}")]
    ParamTooSmall {
        /// Which parameter.
        param: &'static str,
        /// Value found.
        got: u64,
        /// Smallest accepted value.
        min: u64,
    },
    /// scrypt's `n` must be a power of two.
    #[error("scrypt n = {got} is not a power of two")]
    ScryptNNotPowerOfTwo {
        /// Value found.
        got: u64,
    },
    /// `dklen` must be 32 (16 bytes of AES key, 16 bytes of MAC key).
    #[error("kdfparams.dklen = {got}, expected 32")]
    InvalidDklen {
        /// Value found.
        got: u64,
    },
    /// The MAC does not match: wrong password, or the ciphertext/MAC was altered.
    #[error("wrong password (keystore MAC does not match)")]
    WrongPassword,
    /// The MAC matched but the decrypted bytes are not a secp256k1 secret (0 or ≥ n).
    #[error("decrypted key is not a valid secp256k1 secret key")]
    InvalidSecretKey,
    /// The decrypted key does not belong to the file's `address`.
    #[error("keystore address {expected} does not match the decrypted key's address {got}")]
    AddressMismatch {
        /// Address written in the file.
        expected: Address,
        /// Address of the decrypted key.
        got: Address,
    },
    /// The system random generator failed.
    #[error("system random generator failed: {0}")]
    Rng(#[source] rand::Error),
    /// A file-system operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What we were doing (`read`, `create`, `rename`, …).
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Writing would replace an existing file (a keystore is never overwritten).
    #[error("refusing to overwrite existing file {}", path.display())]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// The keystore has no `address`, so it cannot get a geth-style file name.
    #[error("keystore has no address field")]
    MissingAddress,
}

impl KeystoreError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
