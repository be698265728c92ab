//! Single-shot HPKE envelopes: a short message (secrets released by the SMS to an enclave)
//! sealed for one X25519 public key. Layout: the 32-byte encapsulated key, then the AES-256-GCM
//! ciphertext and tag. `info` binds the envelope to its context (for example a task), so an
//! envelope cannot be replayed into another.

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use super::confide::OsRng09;
use super::error::ResultError;
use super::keys::{ResultPublicKey, ResultSecretKey};

type Kem = hpke::kem::X25519HkdfSha256;
const ENC_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// Seals `plaintext` for `recipient`; `info` and `aad` must be given again to open it.
pub fn seal_envelope(
    recipient: &ResultPublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, ResultError> {
    let pk = recipient.to_hpke()?;
    let (enc, ciphertext) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
        &mut OsRng09,
    )
    .map_err(|_| ResultError::Internal("HPKE seal"))?;
    let mut sealed = Vec::with_capacity(ENC_LEN + ciphertext.len());
    sealed.extend_from_slice(&enc.to_bytes());
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Opens an envelope sealed by [`seal_envelope`]. A wrong key, `info` or `aad`, or any altered
/// byte gives [`ResultError::NotForThisKey`].
pub fn open_envelope(
    secret: &ResultSecretKey,
    info: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ResultError> {
    if sealed.len() < ENC_LEN + TAG_LEN {
        return Err(ResultError::TruncatedHeader {
            got: sealed.len(),
            expected: ENC_LEN + TAG_LEN,
        });
    }
    let (enc, ciphertext) = sealed.split_at(ENC_LEN);
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(enc)
        .map_err(|_| ResultError::InvalidEncapsulatedKey)?;
    hpke::single_shot_open::<AesGcm256, HkdfSha256, Kem>(
        &OpModeR::Base,
        &secret.to_hpke(),
        &enc,
        info,
        ciphertext,
        aad,
    )
    .map(Zeroizing::new)
    .map_err(|_| ResultError::NotForThisKey)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn round_trip_and_every_binding() {
        let secret = ResultSecretKey::generate().unwrap();
        let sealed =
            seal_envelope(&secret.public_key(), b"task 1", b"aad", b"key material").unwrap();
        let opened = open_envelope(&secret, b"task 1", b"aad", &sealed).unwrap();
        assert_eq!(opened.as_slice(), b"key material");

        let other = ResultSecretKey::generate().unwrap();
        for (key, info, aad) in [
            (&other, &b"task 1"[..], &b"aad"[..]),
            (&secret, b"task 2", b"aad"),
            (&secret, b"task 1", b"other"),
        ] {
            assert!(matches!(
                open_envelope(key, info, aad, &sealed),
                Err(ResultError::NotForThisKey)
            ));
        }
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            open_envelope(&secret, b"task 1", b"aad", &flipped),
            Err(ResultError::NotForThisKey)
        ));
        assert!(matches!(
            open_envelope(&secret, b"task 1", b"aad", &sealed[..40]),
            Err(ResultError::TruncatedHeader { got: 40, .. })
        ));
    }
}
