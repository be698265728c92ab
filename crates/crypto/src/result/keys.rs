//! Result encryption keys: X25519 (Confide's HPKE format) and RSA (iExec's legacy format).
//!
//! X25519 keys are encoded as RFC 8410 PEM, as `openssl genpkey -algorithm X25519` writes
//! them: public keys as SubjectPublicKeyInfo ("PUBLIC KEY"), secret keys as PKCS#8 v1
//! ("PRIVATE KEY"). Parsing is strict: the DER must be exactly the fixed RFC 8410 prefix
//! followed by the 32 key bytes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, Serializable};
use ring::rand::{SecureRandom, SystemRandom};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use zeroize::Zeroizing;

use super::error::{KeyKind, ResultKeyError};

/// DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410 §4), followed by the 32 key bytes.
const SPKI_X25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
/// DER prefix of an X25519 PKCS#8 v1 OneAsymmetricKey (RFC 8410 §7), followed by the 32 key
/// bytes.
const PKCS8_X25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

const X25519_LEN: usize = 32;

/// An X25519 public key to which results are encrypted.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResultPublicKey([u8; X25519_LEN]);

/// An X25519 secret key that decrypts results. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct ResultSecretKey(Zeroizing<[u8; X25519_LEN]>);

/// An X25519 key pair for results.
#[derive(Clone, Debug)]
pub struct ResultKeyPair {
    secret: ResultSecretKey,
    public: ResultPublicKey,
}

fn exact_32(bytes: &[u8]) -> Result<[u8; X25519_LEN], ResultKeyError> {
    bytes.try_into().map_err(|_| ResultKeyError::WrongLength {
        expected: X25519_LEN,
        got: bytes.len(),
    })
}

fn decode_base64(text: &str) -> Result<Zeroizing<Vec<u8>>, ResultKeyError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map(Zeroizing::new)
        .map_err(|_| ResultKeyError::InvalidBase64)
}

impl ResultPublicKey {
    /// Wraps 32 raw X25519 public key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ResultKeyError> {
        Ok(Self(exact_32(bytes)?))
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }

    /// Parses an RFC 8410 "PUBLIC KEY" PEM block.
    pub fn from_pem(pem: &str) -> Result<Self, ResultKeyError> {
        let (label, der) = pem_decode(pem)?;
        if label != "PUBLIC KEY" {
            return Err(ResultKeyError::UnexpectedLabel {
                expected: "PUBLIC KEY",
                found: label,
            });
        }
        Self::from_spki_der(&der)
    }

    fn from_spki_der(der: &[u8]) -> Result<Self, ResultKeyError> {
        match der.strip_prefix(&SPKI_X25519_PREFIX[..]) {
            Some(key) if key.len() == X25519_LEN => Self::from_bytes(key),
            _ => Err(ResultKeyError::NotX25519 {
                what: "SubjectPublicKeyInfo",
                got: der.len(),
            }),
        }
    }

    /// Encodes as an RFC 8410 "PUBLIC KEY" PEM block.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_X25519_PREFIX.to_vec();
        der.extend_from_slice(&self.0);
        pem_encode("PUBLIC KEY", &der)
    }

    /// Parses standard base64 of the 32 raw bytes.
    pub fn from_base64(text: &str) -> Result<Self, ResultKeyError> {
        Self::from_bytes(&decode_base64(text)?)
    }

    /// Standard base64 of the 32 raw bytes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub(crate) fn to_hpke(
        self,
    ) -> Result<<X25519HkdfSha256 as hpke::Kem>::PublicKey, ResultKeyError> {
        <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(&self.0).map_err(|_| {
            ResultKeyError::WrongLength {
                expected: X25519_LEN,
                got: self.0.len(),
            }
        })
    }
}

impl fmt::Debug for ResultPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResultPublicKey({})", self.to_base64())
    }
}

impl ResultSecretKey {
    /// Draws a fresh secret key from the operating system's random number generator.
    pub fn generate() -> Result<Self, ResultKeyError> {
        let mut bytes = Zeroizing::new([0u8; X25519_LEN]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| ResultKeyError::Rng)?;
        Ok(Self(bytes))
    }

    /// Wraps 32 raw X25519 secret key bytes (clamping happens when the key is used, as in
    /// RFC 7748 and OpenSSL).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ResultKeyError> {
        Ok(Self(Zeroizing::new(exact_32(bytes)?)))
    }

    /// The raw secret bytes (handle with care).
    pub fn as_bytes(&self) -> &[u8; X25519_LEN] {
        &self.0
    }

    /// The matching public key.
    pub fn public_key(&self) -> ResultPublicKey {
        let public = X25519HkdfSha256::sk_to_pk(&self.to_hpke());
        let mut bytes = [0u8; X25519_LEN];
        bytes.copy_from_slice(&public.to_bytes());
        ResultPublicKey(bytes)
    }

    /// Parses an RFC 8410 PKCS#8 "PRIVATE KEY" PEM block.
    pub fn from_pem(pem: &str) -> Result<Self, ResultKeyError> {
        let (label, der) = pem_decode(pem)?;
        if label != "PRIVATE KEY" {
            return Err(ResultKeyError::UnexpectedLabel {
                expected: "PRIVATE KEY",
                found: label,
            });
        }
        Self::from_pkcs8_der(&der)
    }

    fn from_pkcs8_der(der: &[u8]) -> Result<Self, ResultKeyError> {
        match der.strip_prefix(&PKCS8_X25519_PREFIX[..]) {
            Some(key) if key.len() == X25519_LEN => Self::from_bytes(key),
            _ => Err(ResultKeyError::NotX25519 {
                what: "PKCS#8 private key",
                got: der.len(),
            }),
        }
    }

    /// Encodes as an RFC 8410 PKCS#8 "PRIVATE KEY" PEM block.
    pub fn to_pem(&self) -> Zeroizing<String> {
        let mut der = Zeroizing::new(PKCS8_X25519_PREFIX.to_vec());
        der.extend_from_slice(self.0.as_ref());
        Zeroizing::new(pem_encode("PRIVATE KEY", &der))
    }

    /// Parses standard base64 of the 32 raw bytes.
    pub fn from_base64(text: &str) -> Result<Self, ResultKeyError> {
        Self::from_bytes(&decode_base64(text)?)
    }

    /// Standard base64 of the 32 raw bytes.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    /// The key as hpke's type. hpke's copy is not zeroized by hpke (its x25519 dependency
    /// is built without the zeroize feature); it lives only for one operation.
    pub(crate) fn to_hpke(&self) -> <X25519HkdfSha256 as hpke::Kem>::PrivateKey {
        match <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(self.0.as_ref()) {
            Ok(key) => key,
            // The length is fixed by the type; hpke rejects only other lengths.
            Err(_) => unreachable!("hpke accepts every 32-byte X25519 secret key"),
        }
    }
}

impl fmt::Debug for ResultSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResultSecretKey(<redacted>)")
    }
}

impl ResultKeyPair {
    /// Generates a fresh key pair.
    pub fn generate() -> Result<Self, ResultKeyError> {
        Ok(Self::from_secret(ResultSecretKey::generate()?))
    }

    /// The pair of a secret key.
    pub fn from_secret(secret: ResultSecretKey) -> Self {
        let public = secret.public_key();
        Self { secret, public }
    }

    /// The secret key.
    pub fn secret(&self) -> &ResultSecretKey {
        &self.secret
    }

    /// The public key.
    pub fn public(&self) -> &ResultPublicKey {
        &self.public
    }
}

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

/// Encodes an RSA private key as PKCS#8 PEM (as iExec's DataProtector exports it).
pub fn rsa_private_key_to_pem(key: &RsaPrivateKey) -> Result<Zeroizing<String>, ResultKeyError> {
    key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .map(|pem| Zeroizing::new(pem.to_string()))
        .map_err(|e| ResultKeyError::Rsa(e.to_string()))
}

/// Decodes the first PEM block of `text`: returns its label and DER body.
fn pem_decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), ResultKeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = text
        .find(BEGIN)
        .ok_or(ResultKeyError::Pem("no BEGIN line"))?;
    let after_begin = &text[start + BEGIN.len()..];
    let label_end = after_begin
        .find(DASHES)
        .ok_or(ResultKeyError::Pem("unterminated BEGIN line"))?;
    let label = &after_begin[..label_end];
    if label.contains('\n') {
        return Err(ResultKeyError::Pem("unterminated BEGIN line"));
    }
    let body_and_rest = &after_begin[label_end + DASHES.len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_rest
        .find(&end_marker)
        .ok_or(ResultKeyError::Pem("no matching END line"))?;
    let body = &body_and_rest[..body_end];
    if body.contains(':') {
        return Err(ResultKeyError::Pem(
            "encrypted PEM (with headers) is not supported",
        ));
    }
    let der = decode_base64(body)?;
    Ok((label.to_string(), der))
}

/// Encodes DER as a PEM block with 64-character lines.
fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7748 §6.1: Alice's X25519 secret and public keys.
    const RFC7748_ALICE_SK: &str =
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const RFC7748_ALICE_PK: &str =
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

    #[test]
    fn public_key_matches_rfc7748() {
        let sk = alloy_primitives::hex::decode(RFC7748_ALICE_SK).unwrap();
        let key = ResultSecretKey::from_bytes(&sk).unwrap();
        assert_eq!(
            alloy_primitives::hex::encode(key.public_key().as_bytes()),
            RFC7748_ALICE_PK
        );
    }

    #[test]
    fn rfc8410_public_key_example_parses() {
        // RFC 8410 §10.1's example key bytes, with the X25519 OID (1.3.101.110) instead of
        // Ed25519's: checks the DER prefix and base64 layout.
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
        let key = ResultPublicKey::from_pem(pem).unwrap();
        assert_eq!(
            alloy_primitives::hex::encode(key.as_bytes()),
            "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
        );
        assert_eq!(key.to_pem(), pem);
    }

    #[test]
    fn rfc8410_private_key_example_parses() {
        // RFC 8410 §10.3's example key bytes, with the X25519 OID instead of Ed25519's.
        let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        let key = ResultSecretKey::from_pem(pem).unwrap();
        assert_eq!(
            alloy_primitives::hex::encode(key.as_bytes()),
            "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
        );
        assert_eq!(key.to_pem().as_str(), pem);
        assert!(matches!(
            ResultDecryptionKey::from_pem(pem).unwrap(),
            ResultDecryptionKey::X25519(_)
        ));
    }

    #[test]
    fn strict_parsing() {
        // RFC 8410 §10.1's Ed25519 public key (OID 1.3.101.112) must not pass as X25519.
        let ed25519 = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
        assert!(matches!(
            ResultPublicKey::from_pem(ed25519),
            Err(ResultKeyError::NotX25519 { .. })
        ));
        let wrong_label = "-----BEGIN PRIVATE KEY-----\nMCowBQYDK2VuAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            ResultPublicKey::from_pem(wrong_label),
            Err(ResultKeyError::UnexpectedLabel { .. })
        ));
        assert!(matches!(
            ResultSecretKey::from_pem(wrong_label),
            Err(ResultKeyError::NotX25519 { .. })
        ));
        assert!(matches!(
            ResultPublicKey::from_pem("hello"),
            Err(ResultKeyError::Pem(_))
        ));
        let debug = format!("{:?}", ResultSecretKey::from_bytes(&[9u8; 32]).unwrap());
        assert!(!debug.contains('9'));
    }
}
