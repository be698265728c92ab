//! ECDSA signatures as PoCo accepts them (poco.md §1.5).
//!
//! - 65 bytes `r ‖ s ‖ v` with `v ∈ {27, 28}` (no normalisation of 0/1), or 64 bytes EIP-2098
//!   `r ‖ vs` where the top bit of `vs` is the y parity;
//! - `s` in the lower half of the curve order (malleable signatures refused);
//! - orders are signed over their typed-data hash directly; authorizations and enclave
//!   signatures over the EIP-191 personal-message hash of a 32-byte digest.

use alloy_primitives::{Address, B256, Bytes, U256, eip191_hash_message, uint};
use alloy_signer::SignerSync;

/// Order of the secp256k1 group.
pub const SECP256K1_N: U256 =
    uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);
/// Largest `s` accepted: ⌊n / 2⌋.
pub const SECP256K1_HALF_N: U256 =
    uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Neither 65 (r‖s‖v) nor 64 (EIP-2098 r‖vs) bytes. On-chain this reverts the whole call.
    #[error(
        "invalid signature length: expected 65 bytes (r,s,v) or 64 bytes (EIP-2098), got {got}"
    )]
    InvalidLength {
        /// Length received.
        got: usize,
    },
    /// `v` is not 27 or 28.
    #[error("invalid signature v: expected 27 or 28, got {got}")]
    InvalidV {
        /// The `v` byte received.
        got: u8,
    },
    /// `s` is in the upper half of the curve order (a malleable copy of a valid signature).
    #[error("signature s is in the upper half of the curve order (malleable signature refused)")]
    HighS,
    /// `r` or `s` is zero or not below the curve order.
    #[error("signature {0} is out of range")]
    ScalarOutOfRange(&'static str),
    /// No public key can be recovered from this signature and hash.
    #[error("no signer can be recovered from this signature")]
    Unrecoverable,
    /// A valid signature, but by someone else.
    #[error("signed by {recovered}, expected {expected}")]
    SignerMismatch {
        /// The address that had to sign.
        expected: Address,
        /// The address that did sign.
        recovered: Address,
    },
    /// The order has no `sign` field.
    #[error("the order is not signed (no `sign` field)")]
    NotSigned,
}

/// A well-formed secp256k1 ECDSA signature with its recovery bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EcdsaSignature {
    r: U256,
    s: U256,
    y_parity: bool,
}

impl EcdsaSignature {
    /// Parses a 65-byte or 64-byte (EIP-2098) signature with PoCo's rules.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SignatureError> {
        let (r, s, y_parity) = match bytes.len() {
            65 => {
                let v = bytes[64];
                let y_parity = match v {
                    27 => false,
                    28 => true,
                    got => return Err(SignatureError::InvalidV { got }),
                };
                (
                    U256::from_be_slice(&bytes[..32]),
                    U256::from_be_slice(&bytes[32..64]),
                    y_parity,
                )
            }
            64 => {
                let vs = U256::from_be_slice(&bytes[32..64]);
                (
                    U256::from_be_slice(&bytes[..32]),
                    vs & !(U256::from(1u8) << 255usize),
                    vs.bit(255),
                )
            }
            got => return Err(SignatureError::InvalidLength { got }),
        };
        if r.is_zero() || r >= SECP256K1_N {
            return Err(SignatureError::ScalarOutOfRange("r"));
        }
        if s.is_zero() {
            return Err(SignatureError::ScalarOutOfRange("s"));
        }
        if s > SECP256K1_HALF_N {
            return Err(SignatureError::HighS);
        }
        Ok(Self { r, s, y_parity })
    }

    /// From alloy's signature type (which may hold a high `s`: checked here).
    pub fn from_alloy(signature: &alloy_primitives::Signature) -> Result<Self, SignatureError> {
        Self::from_bytes(&signature.as_bytes())
    }

    /// `r ‖ s ‖ v` with `v ∈ {27, 28}`.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        out[32..64].copy_from_slice(&self.s.to_be_bytes::<32>());
        out[64] = 27 + u8::from(self.y_parity);
        out
    }

    /// EIP-2098 compact form `r ‖ (y_parity << 255 | s)`.
    pub fn to_compact_bytes(&self) -> [u8; 64] {
        let mut vs = self.s;
        vs.set_bit(255, self.y_parity);
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        out[32..].copy_from_slice(&vs.to_be_bytes::<32>());
        out
    }

    /// The address whose key signed `hash` (no prefix added).
    pub fn recover_prehash(&self, hash: &B256) -> Result<Address, SignatureError> {
        alloy_primitives::Signature::new(self.r, self.s, self.y_parity)
            .recover_address_from_prehash(hash)
            .map_err(|_| SignatureError::Unrecoverable)
    }
}

/// Recovers the signer of a 32-byte hash signed directly (orders: the typed-data hash).
pub fn recover_prehash_signer(hash: &B256, signature: &[u8]) -> Result<Address, SignatureError> {
    EcdsaSignature::from_bytes(signature)?.recover_prehash(hash)
}

/// Checks that `signature` over `hash` (signed directly) is by `expected`.
pub fn verify_prehash(
    hash: &B256,
    signature: &[u8],
    expected: Address,
) -> Result<(), SignatureError> {
    let recovered = recover_prehash_signer(hash, signature)?;
    if recovered == expected {
        Ok(())
    } else {
        Err(SignatureError::SignerMismatch {
            expected,
            recovered,
        })
    }
}

/// EIP-191 personal-message hash of a 32-byte digest:
/// keccak256("\x19Ethereum Signed Message:\n32" ‖ digest).
pub fn eth_signed_message_hash(digest: &B256) -> B256 {
    eip191_hash_message(digest)
}

/// Recovers the signer of a personal-message signature over a 32-byte digest.
pub fn recover_personal_signer(digest: &B256, signature: &[u8]) -> Result<Address, SignatureError> {
    recover_prehash_signer(&eth_signed_message_hash(digest), signature)
}

/// Checks a personal-message signature over a 32-byte digest.
pub fn verify_personal(
    digest: &B256,
    signature: &[u8],
    expected: Address,
) -> Result<(), SignatureError> {
    verify_prehash(&eth_signed_message_hash(digest), signature, expected)
}

/// Signs a 32-byte hash directly; 65 bytes.
pub fn sign_prehash(
    signer: &(impl SignerSync + ?Sized),
    hash: &B256,
) -> Result<Bytes, alloy_signer::Error> {
    Ok(Bytes::copy_from_slice(
        &signer.sign_hash_sync(hash)?.as_bytes(),
    ))
}

/// Signs a 32-byte digest as a personal message (`personal_sign`); 65 bytes.
pub fn sign_personal(
    signer: &(impl SignerSync + ?Sized),
    digest: &B256,
) -> Result<Bytes, alloy_signer::Error> {
    sign_prehash(signer, &eth_signed_message_hash(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; 65] {
        let mut bytes = [0u8; 65];
        bytes[31] = 7;
        bytes[63] = 9;
        bytes[64] = 28;
        bytes
    }

    #[test]
    fn lengths_other_than_64_and_65_are_refused() {
        for len in [0, 1, 63, 66, 130] {
            assert_eq!(
                EcdsaSignature::from_bytes(&vec![1u8; len]),
                Err(SignatureError::InvalidLength { got: len })
            );
        }
    }

    #[test]
    fn v_must_be_27_or_28() {
        for v in [0u8, 1, 26, 29, 35, 255] {
            let mut bytes = sample();
            bytes[64] = v;
            assert_eq!(
                EcdsaSignature::from_bytes(&bytes),
                Err(SignatureError::InvalidV { got: v })
            );
        }
    }

    #[test]
    fn compact_and_full_forms_are_the_same_signature() {
        let full = EcdsaSignature::from_bytes(&sample()).unwrap();
        let compact = EcdsaSignature::from_bytes(&full.to_compact_bytes()).unwrap();
        assert_eq!(full, compact);
        assert_eq!(compact.to_bytes(), sample());
    }

    #[test]
    fn s_bounds() {
        let with_s = |s: U256| {
            let mut bytes = sample();
            bytes[32..64].copy_from_slice(&s.to_be_bytes::<32>());
            EcdsaSignature::from_bytes(&bytes)
        };
        assert!(with_s(SECP256K1_HALF_N).is_ok());
        assert_eq!(
            with_s(SECP256K1_HALF_N + U256::from(1)),
            Err(SignatureError::HighS)
        );
        assert_eq!(
            with_s(U256::ZERO),
            Err(SignatureError::ScalarOutOfRange("s"))
        );
        let mut bytes = sample();
        bytes[..32].copy_from_slice(&SECP256K1_N.to_be_bytes::<32>());
        assert_eq!(
            EcdsaSignature::from_bytes(&bytes),
            Err(SignatureError::ScalarOutOfRange("r"))
        );
    }
}
