//! Errors of the sealing module.

use std::io;

/// Why a key could not be parsed. Never contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The decoded key does not have the expected length.
    #[error("wrong key length: expected {expected} bytes, got {got}")]
    WrongLength {
        /// Expected length in bytes.
        expected: usize,
        /// Decoded length in bytes.
        got: usize,
    },
    /// The text is not valid base64.
    #[error("key is not valid base64 (expected base64 of 32 bytes, or 0x-prefixed hex)")]
    InvalidBase64,
    /// The text starts with `0x` but is not valid hex.
    #[error("key starts with 0x but is not valid hex")]
    InvalidHex,
    /// The key file is empty (after trimming whitespace).
    #[error("key is empty")]
    Empty,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
}

/// Errors of sealing and unsealing.
///
/// Variants are precise so that callers (and users) can tell a wrong key from corrupted,
/// truncated or extended data. None of them contains key material or plaintext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// Reading the input or writing the output failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),

    /// The file does not start with the Confide magic `CNFDSEAL`.
    #[error("not a Confide sealed file: magic is {found:02x?}, expected \"CNFDSEAL\"")]
    BadMagic {
        /// The first 8 bytes found.
        found: [u8; 8],
    },
    /// The header's version byte is not one this library reads.
    #[error("unsupported sealed-file version {found} (this library reads version {supported})")]
    UnsupportedVersion {
        /// Version byte found.
        found: u8,
        /// Version supported.
        supported: u8,
    },
    /// The header's algorithm byte is not one this library reads.
    #[error(
        "unsupported sealing algorithm {found} (this library reads algorithm {supported}: \
         AES-256-GCM STREAM with HKDF-SHA256 subkeys)"
    )]
    UnsupportedAlgorithm {
        /// Algorithm byte found.
        found: u8,
        /// Algorithm supported.
        supported: u8,
    },
    /// The chunk size exponent is outside the accepted range.
    #[error("unsupported chunk size 2^{log2} bytes (accepted: 2^{min}..=2^{max})")]
    BadChunkSize {
        /// The exponent found (or requested).
        log2: u8,
        /// Smallest accepted exponent.
        min: u8,
        /// Largest accepted exponent.
        max: u8,
    },
    /// The reserved header byte is not zero.
    #[error("reserved header byte is {found:#04x}, expected 0x00")]
    ReservedByte {
        /// The value found.
        found: u8,
    },
    /// The input ended inside the 64-byte header.
    #[error("sealed file header is truncated: got {got} of {expected} bytes")]
    TruncatedHeader {
        /// Bytes available.
        got: usize,
        /// Header length.
        expected: usize,
    },
    /// The key commitment in the header does not match the key: wrong key, or the header was
    /// modified. Detected before any data is decrypted.
    #[error("wrong key: the key does not match this sealed file (or its header was tampered with)")]
    WrongKey,
    /// A chunk failed authentication: corrupted, reordered, taken from another file, or cut
    /// in the middle.
    #[error(
        "chunk {index} failed authentication: the sealed data is corrupted, reordered or cut \
         inside this chunk"
    )]
    ChunkAuthentication {
        /// Zero-based chunk index.
        index: u64,
    },
    /// The stream ended without an authenticated final chunk.
    #[error(
        "sealed data is truncated: it ends after {chunks} authenticated chunk(s) without the \
         final chunk"
    )]
    Truncated {
        /// Number of chunks that authenticated before the end of the stream.
        chunks: u64,
    },
    /// Data follows the authenticated final chunk.
    #[error("unexpected data after the final chunk (chunk {index})")]
    TrailingData {
        /// Index of the final chunk.
        index: u64,
    },
    /// More chunks than the 32-bit counter allows.
    #[error("too many chunks: the 32-bit chunk counter would overflow (use a larger chunk size)")]
    CounterOverflow,

    /// iExec CBC data shorter than an IV plus one block.
    #[error(
        "iExec AES-CBC sealed data is too short: {got} bytes, need at least 32 (IV + one block)"
    )]
    CbcTooShort {
        /// Total length seen.
        got: u64,
    },
    /// iExec CBC data whose length is not a multiple of the block size.
    #[error("iExec AES-CBC sealed data length {len} is not a multiple of 16")]
    CbcNotBlockAligned {
        /// Total length seen.
        len: u64,
    },
    /// The PKCS#7 padding of iExec CBC data is invalid. CBC is unauthenticated: this is how a
    /// wrong key usually shows up, but it may also be corruption, and a wrong key is not always
    /// detected.
    #[error(
        "iExec AES-CBC padding is invalid: wrong key or corrupted data (this legacy format is \
         unauthenticated, so the two cannot be told apart)"
    )]
    CbcBadPadding,

    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
    /// A cryptographic primitive rejected its input (a bug, not bad data).
    #[error("internal cryptographic error: {0}")]
    Internal(&'static str),
}

impl SealError {
    /// Whether the data was read but did not authenticate against the key: wrong key, corrupted,
    /// reordered, truncated or extended data (as opposed to I/O errors or unsupported formats).
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            Self::WrongKey
                | Self::ChunkAuthentication { .. }
                | Self::Truncated { .. }
                | Self::TrailingData { .. }
                | Self::CbcBadPadding
        )
    }
}
