//! Sealing of protected data (devtools.md §1.3, DESIGN.md §5).
//!
//! Two formats, both streamed from any [`Read`] to any [`Write`] with a few chunks of memory:
//!
//! - [`SealFormat::Confide`] (default): authenticated AES-256-GCM STREAM with a per-file HKDF
//!   subkey and a key commitment. Detects a wrong key before decrypting anything, and any
//!   modification, reordering, truncation or extension of the data.
//! - [`SealFormat::IexecCbc`]: iExec's `IV || AES-256-CBC/PKCS#7`, as written by iExec's SDK
//!   and read by its pre-compute enclave. Unauthenticated (see [`SealError::CbcBadPadding`]).
//!
//! The on-chain dataset checksum is the SHA-256 of the sealed bytes ([`Checksum`]), computed
//! while streaming with [`HashingWriter`] / [`HashingReader`].
//!
//! Unsealing writes plaintext as chunks authenticate; a caller that must not expose partial
//! output writes into an [`AtomicFile`] (as [`unseal_file`] does) and commits it only on
//! success.
//!
//! The byte layouts are specified in `crates/crypto/FORMATS.md`, section "Sealed data".

mod atomic;
pub(crate) mod cbc;
mod checksum;
mod error;
mod key;
mod stream;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

pub use atomic::AtomicFile;
pub use checksum::{Checksum, ChecksumParseError, HashingReader, HashingWriter};
pub use error::{KeyError, SealError};
pub use key::{SEAL_KEY_LEN, SealKey};
pub use stream::{
    CONFIDE_ALGORITHM, CONFIDE_HEADER_LEN, CONFIDE_MAGIC, CONFIDE_VERSION, ChunkSize, TAG_LEN,
};

/// A sealing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SealFormat {
    /// Confide's authenticated format (AES-256-GCM STREAM, key-committing). The default.
    #[default]
    Confide,
    /// iExec's legacy format: 16-byte IV || AES-256-CBC/PKCS#7. Unauthenticated.
    IexecCbc,
}

impl SealFormat {
    /// Guesses the format of sealed data from its first bytes (ideally at least 8) and, if
    /// known, its total length.
    ///
    /// - Confide if the prefix starts with `CNFDSEAL`, or with 8 bytes that differ from it in
    ///   at most two places (a damaged magic; a random CBC IV does that with probability
    ///   below 2^-43), so that unsealing reports the damage instead of a CBC error.
    /// - otherwise iExec CBC if the length is at least 32 and a multiple of 16. Without
    ///   `total_len`, only `prefix.len() >= 32` is checked.
    /// - otherwise `None`.
    pub fn detect(prefix: &[u8], total_len: Option<u64>) -> Option<Self> {
        if looks_like_confide(prefix) {
            return Some(Self::Confide);
        }
        let cbc = match total_len {
            Some(len) => len >= 32 && len % 16 == 0,
            None => prefix.len() >= 32,
        };
        cbc.then_some(Self::IexecCbc)
    }
}

fn looks_like_confide(prefix: &[u8]) -> bool {
    match prefix.get(..CONFIDE_MAGIC.len()) {
        Some(magic) => {
            let differing = magic
                .iter()
                .zip(CONFIDE_MAGIC.iter())
                .filter(|(a, b)| a != b)
                .count();
            differing <= 2
        }
        None => false,
    }
}

/// What a seal produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealSummary {
    /// Format written.
    pub format: SealFormat,
    /// Plaintext bytes read.
    pub plaintext_bytes: u64,
    /// Sealed bytes written.
    pub sealed_bytes: u64,
}

/// What an unseal produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsealSummary {
    /// Format detected (or requested).
    pub format: SealFormat,
    /// Sealed bytes read.
    pub sealed_bytes: u64,
    /// Plaintext bytes written.
    pub plaintext_bytes: u64,
}

/// Seals `reader` into `writer` with `format` (Confide uses the default 64 KiB chunks).
pub fn seal<R: Read, W: Write>(
    key: &SealKey,
    format: SealFormat,
    reader: R,
    writer: W,
) -> Result<SealSummary, SealError> {
    match format {
        SealFormat::Confide => seal_confide(key, ChunkSize::DEFAULT, reader, writer),
        SealFormat::IexecCbc => {
            let counts = cbc::seal(key.as_bytes(), reader, writer)?;
            Ok(SealSummary {
                format,
                plaintext_bytes: counts.plaintext,
                sealed_bytes: counts.sealed,
            })
        }
    }
}

/// Seals `reader` into `writer` in Confide format with the given chunk size.
pub fn seal_confide<R: Read, W: Write>(
    key: &SealKey,
    chunk_size: ChunkSize,
    reader: R,
    writer: W,
) -> Result<SealSummary, SealError> {
    let counts = stream::seal(key, chunk_size, reader, writer)?;
    Ok(SealSummary {
        format: SealFormat::Confide,
        plaintext_bytes: counts.plaintext,
        sealed_bytes: counts.sealed,
    })
}

/// Unseals `reader` into `writer`, detecting the format from the first bytes (see
/// [`SealFormat::detect`]; anything that does not look like Confide is read as iExec CBC,
/// whose checks then report what is wrong).
pub fn unseal<R: Read, W: Write>(
    key: &SealKey,
    mut reader: R,
    writer: W,
) -> Result<UnsealSummary, SealError> {
    let mut prefix = [0u8; CONFIDE_HEADER_LEN];
    let got = read_full(&mut reader, &mut prefix)?;
    let format = if looks_like_confide(&prefix[..got])
        || (got < CONFIDE_MAGIC.len() && got > 0 && CONFIDE_MAGIC.starts_with(&prefix[..got]))
    {
        SealFormat::Confide
    } else {
        SealFormat::IexecCbc
    };
    unseal_prefixed(key, format, &prefix[..got], reader, writer)
}

/// Unseals `reader` into `writer`, requiring the given format.
pub fn unseal_as<R: Read, W: Write>(
    key: &SealKey,
    format: SealFormat,
    reader: R,
    writer: W,
) -> Result<UnsealSummary, SealError> {
    unseal_prefixed(key, format, &[], reader, writer)
}

fn unseal_prefixed<R: Read, W: Write>(
    key: &SealKey,
    format: SealFormat,
    prefix: &[u8],
    reader: R,
    writer: W,
) -> Result<UnsealSummary, SealError> {
    let counts = match format {
        SealFormat::Confide => stream::unseal(key, prefix, reader, writer)?,
        SealFormat::IexecCbc => cbc::unseal(key.as_bytes(), prefix, reader, writer)?,
    };
    Ok(UnsealSummary {
        format,
        sealed_bytes: counts.sealed,
        plaintext_bytes: counts.plaintext,
    })
}

/// Result of [`seal_file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedFile {
    /// Byte counts and format.
    pub summary: SealSummary,
    /// Checksum of the sealed file (the on-chain dataset checksum).
    pub checksum: Checksum,
}

/// Seals the file at `input` into `output` atomically (nothing appears at `output` unless
/// sealing succeeded) and returns the sealed file's checksum.
pub fn seal_file(
    key: &SealKey,
    format: SealFormat,
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
) -> Result<SealedFile, SealError> {
    let reader = File::open(input)?;
    let mut writer = HashingWriter::new(AtomicFile::create(output)?);
    let summary = seal(key, format, reader, &mut writer)?;
    let (file, checksum) = writer.finish();
    file.commit()?;
    Ok(SealedFile { summary, checksum })
}

/// Unseals the file at `input` into `output`. The output appears only if the whole input
/// unsealed successfully (for Confide: the final chunk authenticated); on any error no output
/// file is left and a pre-existing `output` is untouched.
pub fn unseal_file(
    key: &SealKey,
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
) -> Result<UnsealSummary, SealError> {
    let reader = File::open(input)?;
    let mut file = AtomicFile::create(output)?;
    let summary = unseal(key, reader, &mut file)?;
    file.commit()?;
    Ok(summary)
}

/// Reads until `buf` is full or the input ends; returns the number of bytes read.
pub(crate) fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            // `min` guards against a reader that claims more than it was given.
            Ok(n) => filled += n.min(buf.len() - filled),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
