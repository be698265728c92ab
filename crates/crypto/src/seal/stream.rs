//! Confide's sealing format: AES-256-GCM STREAM with a per-file HKDF subkey and a key
//! commitment. See `FORMATS.md`, section "Sealed data".

use std::io::{Read, Write};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::SealError;
use super::key::SealKey;
use super::read_full;

/// Magic bytes at the start of a Confide sealed file.
pub const CONFIDE_MAGIC: [u8; 8] = *b"CNFDSEAL";
/// Length of the Confide header.
pub const CONFIDE_HEADER_LEN: usize = 64;
/// Format version written and read.
pub const CONFIDE_VERSION: u8 = 1;
/// Algorithm id: AES-256-GCM, HKDF-SHA256 subkey, STREAM.
pub const CONFIDE_ALGORITHM: u8 = 1;
/// Length of the GCM tag appended to each chunk.
pub const TAG_LEN: usize = 16;

const SALT_LEN: usize = 20;
const PREFIX_LEN: usize = 7;
const COMMITMENT_LEN: usize = 32;
const SUBKEY_LEN: usize = 32;
const OKM_LEN: usize = SUBKEY_LEN + PREFIX_LEN + COMMITMENT_LEN;
const INFO_LABEL: &[u8] = b"confide/seal/v1";

/// Plaintext bytes per chunk, as a power of two in `2^12..=2^24` (default `2^16` = 64 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChunkSize(u8);

impl ChunkSize {
    /// Smallest accepted exponent (4 KiB).
    pub const MIN_LOG2: u8 = 12;
    /// Largest accepted exponent (16 MiB).
    pub const MAX_LOG2: u8 = 24;
    /// The default: 64 KiB.
    pub const DEFAULT: Self = Self(16);

    /// Chunk size `2^log2` bytes; `log2` must be in `12..=24`.
    pub fn from_log2(log2: u8) -> Result<Self, SealError> {
        if (Self::MIN_LOG2..=Self::MAX_LOG2).contains(&log2) {
            Ok(Self(log2))
        } else {
            Err(SealError::BadChunkSize {
                log2,
                min: Self::MIN_LOG2,
                max: Self::MAX_LOG2,
            })
        }
    }

    /// The exponent.
    pub fn log2(self) -> u8 {
        self.0
    }

    /// Plaintext bytes per chunk.
    pub fn bytes(self) -> usize {
        1usize << self.0
    }
}

impl Default for ChunkSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Per-file material derived from the user key and the first 32 header bytes.
struct Derived {
    aead: LessSafeKey,
    prefix: [u8; PREFIX_LEN],
    commitment: Zeroizing<[u8; COMMITMENT_LEN]>,
}

struct OkmLen;

impl hkdf::KeyType for OkmLen {
    fn len(&self) -> usize {
        OKM_LEN
    }
}

fn derive(key: &SealKey, header_start: &[u8; 32]) -> Result<Derived, SealError> {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, &header_start[12..12 + SALT_LEN]);
    let prk = salt.extract(key.as_bytes());
    let info: [&[u8]; 2] = [INFO_LABEL, header_start];
    let okm = prk
        .expand(&info, OkmLen)
        .map_err(|_| SealError::Internal("HKDF output length"))?;
    let mut out = Zeroizing::new([0u8; OKM_LEN]);
    okm.fill(out.as_mut())
        .map_err(|_| SealError::Internal("HKDF fill"))?;
    let unbound = UnboundKey::new(&AES_256_GCM, &out[..SUBKEY_LEN])
        .map_err(|_| SealError::Internal("AES-256-GCM key length"))?;
    let mut prefix = [0u8; PREFIX_LEN];
    prefix.copy_from_slice(&out[SUBKEY_LEN..SUBKEY_LEN + PREFIX_LEN]);
    let mut commitment = Zeroizing::new([0u8; COMMITMENT_LEN]);
    commitment.copy_from_slice(&out[SUBKEY_LEN + PREFIX_LEN..]);
    Ok(Derived {
        aead: LessSafeKey::new(unbound),
        prefix,
        commitment,
    })
}

/// Nonce of chunk `index`: prefix (7) || index as u32 big-endian (4) || last flag (1).
fn chunk_nonce(prefix: &[u8; PREFIX_LEN], index: u64, last: bool) -> Result<Nonce, SealError> {
    let counter = u32::try_from(index).map_err(|_| SealError::CounterOverflow)?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..PREFIX_LEN].copy_from_slice(prefix);
    nonce[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&counter.to_be_bytes());
    nonce[NONCE_LEN - 1] = u8::from(last);
    Ok(Nonce::assume_unique_for_key(nonce))
}

/// Byte counts of one pass over a stream.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub(crate) plaintext: u64,
    pub(crate) sealed: u64,
}

fn len_u64(len: usize) -> u64 {
    // usize is at most 64 bits on every supported target.
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// Seals `reader` into `writer` in Confide format.
pub(crate) fn seal<R: Read, W: Write>(
    key: &SealKey,
    chunk_size: ChunkSize,
    mut reader: R,
    mut writer: W,
) -> Result<Counts, SealError> {
    let mut header = [0u8; CONFIDE_HEADER_LEN];
    header[..8].copy_from_slice(&CONFIDE_MAGIC);
    header[8] = CONFIDE_VERSION;
    header[9] = CONFIDE_ALGORITHM;
    header[10] = chunk_size.log2();
    header[11] = 0;
    SystemRandom::new()
        .fill(&mut header[12..32])
        .map_err(|_| SealError::Rng)?;
    let mut start = [0u8; 32];
    start.copy_from_slice(&header[..32]);
    let derived = derive(key, &start)?;
    header[32..].copy_from_slice(derived.commitment.as_ref());
    writer.write_all(&header)?;

    let cs = chunk_size.bytes();
    // Double buffering: the next chunk is read before the current one is sealed, which tells
    // whether the current one is the last. Both buffers start page-aligned, so the copy from
    // the reader lands at a fixed offset (a 1-byte look-ahead shift made `memcpy` hit 4K
    // aliasing and run several times slower).
    let mut current = AlignedBuf::new(cs + TAG_LEN);
    let mut next = AlignedBuf::new(cs + TAG_LEN);
    let mut counts = Counts {
        plaintext: 0,
        sealed: len_u64(CONFIDE_HEADER_LEN),
    };
    let mut len = read_full(&mut reader, &mut current.as_mut()[..cs])?;
    let mut index: u64 = 0;
    loop {
        let next_len = if len < cs {
            0
        } else {
            read_full(&mut reader, &mut next.as_mut()[..cs])?
        };
        let last = next_len == 0;
        let nonce = chunk_nonce(&derived.prefix, index, last)?;
        let buf = current.as_mut();
        let (data, tag_space) = buf.split_at_mut(len);
        let tag = derived
            .aead
            .seal_in_place_separate_tag(nonce, Aad::empty(), data)
            .map_err(|_| SealError::Internal("AES-GCM seal"))?;
        tag_space
            .get_mut(..TAG_LEN)
            .ok_or(SealError::Internal("tag space"))?
            .copy_from_slice(tag.as_ref());
        writer.write_all(&buf[..len + TAG_LEN])?;
        counts.plaintext += len_u64(len);
        counts.sealed += len_u64(len + TAG_LEN);
        if last {
            return Ok(counts);
        }
        index += 1;
        if index > u64::from(u32::MAX) {
            return Err(SealError::CounterOverflow);
        }
        std::mem::swap(&mut current, &mut next);
        len = next_len;
    }
}

/// Parses and checks the 64-byte header, derives the per-file material and checks the key
/// commitment.
fn open_header(
    key: &SealKey,
    header: &[u8; CONFIDE_HEADER_LEN],
) -> Result<(Derived, ChunkSize), SealError> {
    let mut magic = [0u8; 8];
    magic.copy_from_slice(&header[..8]);
    if magic != CONFIDE_MAGIC {
        return Err(SealError::BadMagic { found: magic });
    }
    if header[8] != CONFIDE_VERSION {
        return Err(SealError::UnsupportedVersion {
            found: header[8],
            supported: CONFIDE_VERSION,
        });
    }
    if header[9] != CONFIDE_ALGORITHM {
        return Err(SealError::UnsupportedAlgorithm {
            found: header[9],
            supported: CONFIDE_ALGORITHM,
        });
    }
    let chunk_size = ChunkSize::from_log2(header[10])?;
    if header[11] != 0 {
        return Err(SealError::ReservedByte { found: header[11] });
    }
    let mut start = [0u8; 32];
    start.copy_from_slice(&header[..32]);
    let derived = derive(key, &start)?;
    // Constant time: the stored commitment is attacker-controlled.
    if !bool::from(derived.commitment.as_slice().ct_eq(&header[32..])) {
        return Err(SealError::WrongKey);
    }
    Ok((derived, chunk_size))
}

/// Unseals a Confide stream whose first bytes (`prefix`, possibly fewer than a full header
/// when the input is short) were already read from `reader`.
pub(crate) fn unseal<R: Read, W: Write>(
    key: &SealKey,
    prefix: &[u8],
    mut reader: R,
    mut writer: W,
) -> Result<Counts, SealError> {
    let mut header = [0u8; CONFIDE_HEADER_LEN];
    let have = prefix.len().min(CONFIDE_HEADER_LEN);
    header[..have].copy_from_slice(&prefix[..have]);
    let got = have + read_full(&mut reader, &mut header[have..])?;
    if got >= 8 && header[..8] != CONFIDE_MAGIC {
        let mut found = [0u8; 8];
        found.copy_from_slice(&header[..8]);
        return Err(SealError::BadMagic { found });
    }
    if got < CONFIDE_HEADER_LEN {
        return Err(SealError::TruncatedHeader {
            got,
            expected: CONFIDE_HEADER_LEN,
        });
    }
    let (derived, chunk_size) = open_header(key, &header)?;
    // Bytes of the input that followed the header inside `prefix` (none in practice: callers
    // pass at most a header's worth).
    let rest = prefix.get(CONFIDE_HEADER_LEN..).unwrap_or(&[]);
    let mut reader = rest.chain(reader);

    let full = chunk_size.bytes() + TAG_LEN;
    // Double buffering as in `seal`: reading the next sealed chunk tells whether the current
    // one must be the final one. `spare` keeps a copy of the ciphertext to diagnose a failure
    // with the other last-flag value (ring zeroes the buffer when authentication fails).
    let mut current = AlignedBuf::new(full);
    let mut next = AlignedBuf::new(full);
    let mut spare = AlignedBuf::new(full);
    let mut counts = Counts {
        plaintext: 0,
        sealed: len_u64(CONFIDE_HEADER_LEN),
    };
    let mut len = read_full(&mut reader, current.as_mut())?;
    let mut index: u64 = 0;
    loop {
        let next_len = if len < full {
            0
        } else {
            read_full(&mut reader, next.as_mut())?
        };
        let last = next_len == 0;
        if len < TAG_LEN {
            return Err(SealError::Truncated { chunks: index });
        }
        spare.as_mut()[..len].copy_from_slice(&current.as_mut()[..len]);
        let nonce = chunk_nonce(&derived.prefix, index, last)?;
        match derived
            .aead
            .open_in_place(nonce, Aad::empty(), &mut current.as_mut()[..len])
        {
            Ok(plaintext) => {
                writer.write_all(plaintext)?;
                counts.plaintext += len_u64(plaintext.len());
                counts.sealed += len_u64(len);
            }
            Err(_) => {
                let other = chunk_nonce(&derived.prefix, index, !last)?;
                let as_other = derived
                    .aead
                    .open_in_place(other, Aad::empty(), &mut spare.as_mut()[..len])
                    .is_ok();
                return Err(match (as_other, last) {
                    // A valid non-final chunk at the end: the rest of the stream is missing.
                    (true, true) => SealError::Truncated { chunks: index + 1 },
                    // A valid final chunk followed by more bytes.
                    (true, false) => SealError::TrailingData { index },
                    (false, _) => SealError::ChunkAuthentication { index },
                });
            }
        }
        if last {
            return Ok(counts);
        }
        index += 1;
        if index > u64::from(u32::MAX) {
            return Err(SealError::CounterOverflow);
        }
        std::mem::swap(&mut current, &mut next);
        len = next_len;
    }
}

/// A zeroed, zeroize-on-drop byte buffer whose start is aligned to a 4 KiB page.
pub(crate) struct AlignedBuf {
    storage: Zeroizing<Vec<u8>>,
    offset: usize,
    len: usize,
}

impl AlignedBuf {
    const ALIGN: usize = 4096;

    pub(crate) fn new(len: usize) -> Self {
        let storage = Zeroizing::new(vec![0u8; len + Self::ALIGN]);
        let misalignment = storage.as_ptr().addr() % Self::ALIGN;
        let offset = (Self::ALIGN - misalignment) % Self::ALIGN;
        Self {
            storage,
            offset,
            len,
        }
    }

    pub(crate) fn as_mut(&mut self) -> &mut [u8] {
        &mut self.storage[self.offset..self.offset + self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_layout_and_overflow() {
        let prefix = [1, 2, 3, 4, 5, 6, 7];
        assert!(chunk_nonce(&prefix, u64::from(u32::MAX), true).is_ok());
        assert!(matches!(
            chunk_nonce(&prefix, u64::from(u32::MAX) + 1, false),
            Err(SealError::CounterOverflow)
        ));
        let nonce = chunk_nonce(&prefix, 0x0102_0304, true).unwrap();
        assert_eq!(nonce.as_ref(), &[1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 1]);
    }

    #[test]
    fn chunk_size_bounds() {
        assert!(ChunkSize::from_log2(11).is_err());
        assert!(ChunkSize::from_log2(25).is_err());
        assert_eq!(ChunkSize::from_log2(12).unwrap().bytes(), 4096);
        assert_eq!(ChunkSize::DEFAULT.bytes(), 65536);
    }
}
