//! iExec's legacy sealing format: 16-byte random IV || AES-256-CBC(plaintext, PKCS#7).
//!
//! This is what iExec's SDK (`encryptAes256Cbc`) writes and its pre-compute enclave reads.
//! It is unauthenticated: a wrong key usually shows up as bad padding, but not always (about
//! one wrong key in 256 yields "valid" padding and garbage), and corruption of the data is not
//! detected except in the last block.

use std::io::{Read, Write};

use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes::{Aes128, Aes256};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::error::SealError;
use super::read_full;
use super::stream::{AlignedBuf, Counts};

/// AES block (and IV) length.
pub(crate) const BLOCK: usize = 16;
/// Bytes processed per read; a multiple of the block size.
const BUF: usize = 64 * 1024;

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// Seals `reader` into `writer` as `IV || AES-256-CBC/PKCS#7`.
pub(crate) fn seal<R: Read, W: Write>(
    key: &[u8; 32],
    mut reader: R,
    mut writer: W,
) -> Result<Counts, SealError> {
    let mut iv = [0u8; BLOCK];
    SystemRandom::new()
        .fill(&mut iv)
        .map_err(|_| SealError::Rng)?;
    let mut cipher = cbc::Encryptor::<Aes256>::new(key.into(), &iv.into());
    writer.write_all(&iv)?;
    let mut counts = Counts {
        plaintext: 0,
        sealed: len_u64(BLOCK),
    };
    // Room for one block of padding after a partial read.
    let mut aligned = AlignedBuf::new(BUF + BLOCK);
    let buf = aligned.as_mut();
    loop {
        let n = read_full(&mut reader, &mut buf[..BUF])?;
        counts.plaintext += len_u64(n);
        let end = if n == BUF {
            n
        } else {
            // PKCS#7: 1..=16 bytes, each equal to the padding length.
            let pad = BLOCK - n % BLOCK;
            buf[n..n + pad].fill(u8::try_from(pad).unwrap_or(16));
            n + pad
        };
        let (blocks, _) = InOutBuf::from(&mut buf[..end]).into_chunks();
        cipher.encrypt_blocks_inout_mut(blocks);
        writer.write_all(&buf[..end])?;
        counts.sealed += len_u64(end);
        if n < BUF {
            return Ok(counts);
        }
    }
}

/// Block-cipher mode used by [`decrypt_padded_stream`].
pub(crate) enum Decryptor {
    Cbc256(Box<cbc::Decryptor<Aes256>>),
    Ecb128(Box<Aes128>),
}

impl Decryptor {
    fn decrypt(&mut self, data: &mut [u8]) {
        let (blocks, _) = InOutBuf::from(data).into_chunks();
        match self {
            Self::Cbc256(cipher) => cipher.decrypt_blocks_inout_mut(blocks),
            Self::Ecb128(cipher) => {
                use aes::cipher::BlockDecrypt;
                cipher.decrypt_blocks_inout(blocks);
            }
        }
    }
}

/// Unseals iExec CBC data. `prefix` holds bytes already read from `reader` (format detection).
pub(crate) fn unseal<R: Read, W: Write>(
    key: &[u8; 32],
    prefix: &[u8],
    reader: R,
    writer: W,
) -> Result<Counts, SealError> {
    let mut reader = prefix.chain(reader);
    let mut iv = [0u8; BLOCK];
    let got = read_full(&mut reader, &mut iv)?;
    if got < BLOCK {
        return Err(SealError::CbcTooShort { got: len_u64(got) });
    }
    let cipher = cbc::Decryptor::<Aes256>::new(key.into(), &iv.into());
    let mut counts = decrypt_padded_stream(Decryptor::Cbc256(Box::new(cipher)), reader, writer)
        .map_err(|e| match e {
            SealError::CbcTooShort { got } => SealError::CbcTooShort { got: got + 16 },
            SealError::CbcNotBlockAligned { len } => {
                SealError::CbcNotBlockAligned { len: len + 16 }
            }
            other => other,
        })?;
    counts.sealed += len_u64(BLOCK);
    Ok(counts)
}

/// Decrypts block-aligned ciphertext from `reader` with `cipher`, strips PKCS#7 padding and
/// writes the plaintext. The last plaintext block is held back until the end of the input so
/// that the padding can be checked and removed. Lengths in errors count `reader`'s bytes only.
pub(crate) fn decrypt_padded_stream<R: Read, W: Write>(
    mut cipher: Decryptor,
    mut reader: R,
    mut writer: W,
) -> Result<Counts, SealError> {
    let mut aligned = AlignedBuf::new(BUF);
    let buf = aligned.as_mut();
    let mut held = Zeroizing::new([0u8; BLOCK]);
    let mut have_held = false;
    let mut counts = Counts::default();
    loop {
        let n = read_full(&mut reader, buf)?;
        counts.sealed += len_u64(n);
        if n % BLOCK != 0 {
            return Err(SealError::CbcNotBlockAligned { len: counts.sealed });
        }
        if n > 0 {
            cipher.decrypt(&mut buf[..n]);
            if have_held {
                writer.write_all(held.as_ref())?;
                counts.plaintext += len_u64(BLOCK);
            }
            writer.write_all(&buf[..n - BLOCK])?;
            counts.plaintext += len_u64(n - BLOCK);
            held.copy_from_slice(&buf[n - BLOCK..n]);
            have_held = true;
        }
        if n < BUF {
            break;
        }
    }
    if !have_held {
        return Err(SealError::CbcTooShort { got: counts.sealed });
    }
    let pad = usize::from(held[BLOCK - 1]);
    if pad == 0 || pad > BLOCK || held[BLOCK - pad..].iter().any(|&b| usize::from(b) != pad) {
        return Err(SealError::CbcBadPadding);
    }
    writer.write_all(&held[..BLOCK - pad])?;
    counts.plaintext += len_u64(BLOCK - pad);
    Ok(counts)
}
