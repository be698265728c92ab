//! The 32-byte sealing key.

use std::fmt;

use alloy_primitives::hex;
use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose::STANDARD};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::error::KeyError;

/// Length of a sealing key in bytes.
pub const SEAL_KEY_LEN: usize = 32;

/// Standard base64 alphabet, padding optional on input.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A 32-byte key for sealing protected data (the AES-256 key of iExec's format, the input
/// key of Confide's format).
///
/// The bytes are zeroized on drop and never printed by `Debug`.
#[derive(Clone)]
pub struct SealKey(Zeroizing<[u8; SEAL_KEY_LEN]>);

impl SealKey {
    /// Draws a fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; SEAL_KEY_LEN]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| KeyError::Rng)?;
        Ok(Self(bytes))
    }

    /// Wraps raw key bytes; the slice must be exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let array: [u8; SEAL_KEY_LEN] = bytes.try_into().map_err(|_| KeyError::WrongLength {
            expected: SEAL_KEY_LEN,
            got: bytes.len(),
        })?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// Parses iExec's key format: standard base64 of 32 bytes (surrounding whitespace is
    /// ignored, padding optional).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let decoded = Zeroizing::new(
            BASE64_LENIENT
                .decode(text.trim())
                .map_err(|_| KeyError::InvalidBase64)?,
        );
        Self::from_bytes(&decoded)
    }

    /// Encodes the key as iExec does: standard base64 with padding (44 characters).
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    /// Parses the content of a key file: base64 (iExec's format) or `0x`-prefixed hex, with
    /// surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyError::Empty);
        }
        if let Some(hex_digits) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            let decoded =
                Zeroizing::new(hex::decode(hex_digits).map_err(|_| KeyError::InvalidHex)?);
            return Self::from_bytes(&decoded);
        }
        Self::from_base64(text)
    }

    /// The raw key bytes (for handing the key to a secret store; handle with care).
    pub fn as_bytes(&self) -> &[u8; SEAL_KEY_LEN] {
        &self.0
    }
}

impl From<[u8; SEAL_KEY_LEN]> for SealKey {
    fn from(bytes: [u8; SEAL_KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }
}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_lengths() {
        let key = SealKey::from([7u8; 32]);
        let b64 = key.to_base64();
        assert_eq!(b64.len(), 44);
        assert_eq!(
            SealKey::parse(&format!("  {}\n", *b64)).unwrap().as_bytes(),
            &[7u8; 32]
        );
        assert!(matches!(
            SealKey::from_base64("AAAA"),
            Err(KeyError::WrongLength {
                expected: 32,
                got: 3
            })
        ));
        assert!(matches!(
            SealKey::parse("not base64!"),
            Err(KeyError::InvalidBase64)
        ));
    }

    #[test]
    fn hex_and_debug() {
        let hex_key = format!("0x{}", "ab".repeat(32));
        assert_eq!(SealKey::parse(&hex_key).unwrap().as_bytes(), &[0xab; 32]);
        assert!(matches!(SealKey::parse("0xzz"), Err(KeyError::InvalidHex)));
        assert!(matches!(
            SealKey::parse("0xabab"),
            Err(KeyError::WrongLength { got: 2, .. })
        ));
        assert!(matches!(SealKey::parse(" \n"), Err(KeyError::Empty)));
        let debug = format!("{:?}", SealKey::from([0xab; 32]));
        assert!(!debug.contains("ab, ") && !debug.contains("171"));
    }
}
