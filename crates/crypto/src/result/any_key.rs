//! Keys of either kind: X25519 (Confide format) or RSA (iExec format).

use std::fmt;

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use super::error::{KeyKind, ResultKeyError};
use super::keys::{
    PKCS8_X25519_PREFIX, ResultPublicKey, ResultSecretKey, SPKI_X25519_PREFIX, X25519_LEN,
    decode_base64,
};
use super::pem::pem_decode;

/// A key that decrypts results: X25519 (Confide format) or RSA (iExec format).
///
/// RSA decryption uses the `rsa` 0.9 crate, which has a known timing side channel
/// (RUSTSEC-2023-0071, "Marvin"): an attacker who can submit many chosen ciphertexts and
/// time the decryptions precisely may recover the key. That is acceptable for a client
/// decrypting its own results offline; do not expose RSA decryption as a network service.
#[derive(Clone)]
pub enum ResultDecryptionKey {
    /// X25519 secret key.
    X25519(ResultSecretKey),
    /// RSA private key.
    Rsa(Box<RsaPrivateKey>),
}

impl ResultDecryptionKey {
    /// Parses a PEM private key: PKCS#8 "PRIVATE KEY" (X25519 or RSA) or PKCS#1
    /// "RSA PRIVATE KEY".
    pub fn from_pem(pem: &str) -> Result<Self, ResultKeyError> {
        let (label, der) = pem_decode(pem)?;
        match label.as_str() {
            "PRIVATE KEY" => {
                if der.starts_with(&PKCS8_X25519_PREFIX[..5]) && der.len() == 48 {
                    return ResultSecretKey::from_pkcs8_der(&der).map(Self::X25519);
                }
                RsaPrivateKey::from_pkcs8_der(&der)
                    .map(|key| Self::Rsa(Box::new(key)))
                    .map_err(|e| ResultKeyError::Rsa(e.to_string()))
            }
            "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&der)
                .map(|key| Self::Rsa(Box::new(key)))
                .map_err(|e| ResultKeyError::Rsa(e.to_string())),
            _ => Err(ResultKeyError::UnexpectedLabel {
                expected: "\"PRIVATE KEY\" or \"RSA PRIVATE KEY\"",
                found: label,
            }),
        }
    }

    /// Parses a key file: a PEM block (see [`from_pem`](Self::from_pem)) or base64 of a raw
    /// 32-byte X25519 secret key.
    pub fn parse(text: &str) -> Result<Self, ResultKeyError> {
        if text.contains("-----BEGIN") {
            Self::from_pem(text)
        } else {
            ResultSecretKey::from_base64(text).map(Self::X25519)
        }
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::X25519(_) => KeyKind::X25519,
            Self::Rsa(_) => KeyKind::Rsa,
        }
    }

    /// The matching encryption key.
    pub fn encryption_key(&self) -> ResultEncryptionKey {
        match self {
            Self::X25519(secret) => ResultEncryptionKey::X25519(secret.public_key()),
            Self::Rsa(key) => ResultEncryptionKey::Rsa(Box::new(key.to_public_key())),
        }
    }
}

impl fmt::Debug for ResultDecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::X25519(_) => f.write_str("ResultDecryptionKey::X25519(<redacted>)"),
            Self::Rsa(key) => write!(
                f,
                "ResultDecryptionKey::Rsa(<redacted, {}-bit>)",
                key.n().bits()
            ),
        }
    }
}

/// A key results are encrypted to: X25519 (Confide format) or RSA (iExec format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultEncryptionKey {
    /// X25519 public key.
    X25519(ResultPublicKey),
    /// RSA public key.
    Rsa(Box<RsaPublicKey>),
}

impl ResultEncryptionKey {
    /// Parses a PEM public key: SubjectPublicKeyInfo "PUBLIC KEY" (X25519 or RSA) or PKCS#1
    /// "RSA PUBLIC KEY".
    pub fn from_pem(pem: &str) -> Result<Self, ResultKeyError> {
        let (label, der) = pem_decode(pem)?;
        match label.as_str() {
            "PUBLIC KEY" => {
                if der.starts_with(&SPKI_X25519_PREFIX[..5]) && der.len() == 44 {
                    return ResultPublicKey::from_spki_der(&der).map(Self::X25519);
                }
                RsaPublicKey::from_public_key_der(&der)
                    .map(|key| Self::Rsa(Box::new(key)))
                    .map_err(|e| ResultKeyError::Rsa(e.to_string()))
            }
            "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_der(&der)
                .map(|key| Self::Rsa(Box::new(key)))
                .map_err(|e| ResultKeyError::Rsa(e.to_string())),
            _ => Err(ResultKeyError::UnexpectedLabel {
                expected: "\"PUBLIC KEY\" or \"RSA PUBLIC KEY\"",
                found: label,
            }),
        }
    }

    /// Parses a public key given as PEM, as base64 of a PEM (how iExec's SMS stores the
    /// beneficiary key), or as base64 of a raw 32-byte X25519 key.
    pub fn parse(text: &str) -> Result<Self, ResultKeyError> {
        if text.contains("-----BEGIN") {
            return Self::from_pem(text);
        }
        let decoded = decode_base64(text)?;
        if decoded.len() == X25519_LEN {
            return ResultPublicKey::from_bytes(&decoded).map(Self::X25519);
        }
        let pem = std::str::from_utf8(&decoded)
            .map_err(|_| ResultKeyError::Pem("base64 text is neither a PEM nor 32 bytes"))?;
        Self::from_pem(pem)
    }

    /// The kind of key.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::X25519(_) => KeyKind::X25519,
            Self::Rsa(_) => KeyKind::Rsa,
        }
    }

    /// Encodes as PEM ("PUBLIC KEY", SubjectPublicKeyInfo).
    pub fn to_pem(&self) -> Result<String, ResultKeyError> {
        match self {
            Self::X25519(key) => Ok(key.to_pem()),
            Self::Rsa(key) => key
                .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
                .map_err(|e| ResultKeyError::Rsa(e.to_string())),
        }
    }
}

/// Smallest RSA modulus [`generate_rsa_private_key`] accepts.
pub const MIN_RSA_BITS: usize = 2048;

/// Generates an RSA private key for iExec's result layout (iExec's tools use 4096 bits,
/// public exponent 65537). Sizes below 2048 bits are refused.
pub fn generate_rsa_private_key(bits: usize) -> Result<RsaPrivateKey, ResultKeyError> {
    if bits < MIN_RSA_BITS {
        return Err(ResultKeyError::Rsa(format!(
            "{bits}-bit keys are too small (minimum {MIN_RSA_BITS})"
        )));
    }
    RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).map_err(|e| ResultKeyError::Rsa(e.to_string()))
}

/// Encodes an RSA private key as PKCS#8 PEM (as iExec's DataProtector exports it).
pub fn rsa_private_key_to_pem(key: &RsaPrivateKey) -> Result<Zeroizing<String>, ResultKeyError> {
    key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .map(|pem| Zeroizing::new(pem.to_string()))
        .map_err(|e| ResultKeyError::Rsa(e.to_string()))
}
