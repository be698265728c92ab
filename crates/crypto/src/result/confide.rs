//! Confide's result format: HPKE (RFC 9180) base mode exporting the key of a Confide seal
//! stream. See `FORMATS.md`, section "Encrypted results".

use std::io::{Read, Write};

use hpke::aead::{Aead as _, AesGcm256};
use hpke::kdf::{HkdfSha256, Kdf as _};
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use super::error::ResultError;
use super::keys::{ResultPublicKey, ResultSecretKey};
use crate::seal::{self, ChunkSize, SealError, SealFormat, SealKey};

/// Magic bytes at the start of a Confide encrypted result.
pub const RESULT_MAGIC: [u8; 8] = *b"CNFDRSLT";
/// Result format version.
pub const RESULT_VERSION: u8 = 1;
/// Bytes of the header before the encapsulated key (bound into the HPKE info).
const SUITE_HEADER_LEN: usize = 15;
const ENC_LEN: usize = 32;
/// Full header length: magic, version, suite ids, encapsulated key.
pub const RESULT_HEADER_LEN: usize = SUITE_HEADER_LEN + ENC_LEN;

const INFO_LABEL: &[u8] = b"confide/result/v1";
const EXPORT_LABEL: &[u8] = b"confide/result/v1/payload-key";

type Kem = X25519HkdfSha256;

/// rand_core 0.9 adaptor (hpke's version) over the OS generator of `rand` 0.8 (which, like
/// every user of `getrandom`, panics if the operating system cannot provide randomness).
pub(super) struct OsRng09;

impl hpke::rand_core::RngCore for OsRng09 {
    fn next_u32(&mut self) -> u32 {
        rand::RngCore::next_u32(&mut rand::rngs::OsRng)
    }

    fn next_u64(&mut self) -> u64 {
        rand::RngCore::next_u64(&mut rand::rngs::OsRng)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, dest);
    }
}

impl hpke::rand_core::CryptoRng for OsRng09 {}

fn suite_header() -> [u8; SUITE_HEADER_LEN] {
    let mut header = [0u8; SUITE_HEADER_LEN];
    header[..8].copy_from_slice(&RESULT_MAGIC);
    header[8] = RESULT_VERSION;
    header[9..11].copy_from_slice(&Kem::KEM_ID.to_be_bytes());
    header[11..13].copy_from_slice(&HkdfSha256::KDF_ID.to_be_bytes());
    header[13..15].copy_from_slice(&AesGcm256::AEAD_ID.to_be_bytes());
    header
}

fn info(suite: &[u8; SUITE_HEADER_LEN]) -> Vec<u8> {
    let mut info = INFO_LABEL.to_vec();
    info.extend_from_slice(suite);
    info
}

/// Encrypts `reader` for `recipient` into `writer`; returns (plaintext, encrypted) byte counts.
pub(crate) fn encrypt<R: Read, W: Write>(
    recipient: &ResultPublicKey,
    reader: R,
    mut writer: W,
) -> Result<(u64, u64), ResultError> {
    let suite = suite_header();
    let pk = recipient.to_hpke()?;
    let (enc, ctx) = hpke::setup_sender::<AesGcm256, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &pk,
        &info(&suite),
        &mut OsRng09,
    )
    .map_err(|_| ResultError::Internal("HPKE encapsulation"))?;
    let mut payload_key = Zeroizing::new([0u8; 32]);
    ctx.export(EXPORT_LABEL, payload_key.as_mut())
        .map_err(|_| ResultError::Internal("HPKE export"))?;
    writer.write_all(&suite)?;
    writer.write_all(&enc.to_bytes())?;
    let summary = seal::seal_confide(
        &SealKey::from(*payload_key),
        ChunkSize::DEFAULT,
        reader,
        writer,
    )
    .map_err(map_seal_error)?;
    let header = u64::try_from(RESULT_HEADER_LEN).unwrap_or(u64::MAX);
    Ok((summary.plaintext_bytes, summary.sealed_bytes + header))
}

/// Decrypts a Confide result whose first bytes (`prefix`, at most a header) were already read.
/// Returns the plaintext byte count.
pub(crate) fn decrypt<R: Read, W: Write>(
    secret: &ResultSecretKey,
    prefix: &[u8],
    mut reader: R,
    writer: W,
) -> Result<u64, ResultError> {
    let mut header = [0u8; RESULT_HEADER_LEN];
    let have = prefix.len().min(RESULT_HEADER_LEN);
    header[..have].copy_from_slice(&prefix[..have]);
    let got = have + seal::read_full(&mut reader, &mut header[have..])?;
    if got < RESULT_HEADER_LEN {
        return Err(ResultError::TruncatedHeader {
            got,
            expected: RESULT_HEADER_LEN,
        });
    }
    if header[..8] != RESULT_MAGIC {
        return Err(ResultError::UnknownFormat {
            found: header[..8].to_vec(),
        });
    }
    if header[8] != RESULT_VERSION {
        return Err(ResultError::UnsupportedVersion {
            found: header[8],
            supported: RESULT_VERSION,
        });
    }
    let expected = suite_header();
    if header[9..SUITE_HEADER_LEN] != expected[9..] {
        let id = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
        return Err(ResultError::UnsupportedSuite {
            kem: id(9),
            kdf: id(11),
            aead: id(13),
        });
    }
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&header[SUITE_HEADER_LEN..])
        .map_err(|_| ResultError::InvalidEncapsulatedKey)?;
    let ctx = hpke::setup_receiver::<AesGcm256, HkdfSha256, Kem>(
        &OpModeR::Base,
        &secret.to_hpke(),
        &enc,
        &info(&expected),
    )
    .map_err(|_| ResultError::InvalidEncapsulatedKey)?;
    let mut payload_key = Zeroizing::new([0u8; 32]);
    ctx.export(EXPORT_LABEL, payload_key.as_mut())
        .map_err(|_| ResultError::Internal("HPKE export"))?;
    let rest = prefix.get(RESULT_HEADER_LEN..).unwrap_or(&[]);
    let summary = seal::unseal_as(
        &SealKey::from(*payload_key),
        SealFormat::Confide,
        rest.chain(reader),
        writer,
    )
    .map_err(map_seal_error)?;
    Ok(summary.plaintext_bytes)
}

/// A commitment mismatch means the HPKE secret differs: the result is for another key.
fn map_seal_error(error: SealError) -> ResultError {
    match error {
        SealError::WrongKey => ResultError::NotForThisKey,
        SealError::Io(e) => ResultError::Io(e),
        other => ResultError::Payload(other),
    }
}
