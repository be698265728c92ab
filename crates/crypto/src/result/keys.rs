//! X25519 result keys (Confide's HPKE format).
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
use zeroize::Zeroizing;

use super::error::ResultKeyError;
use super::pem::{pem_decode, pem_encode};

/// DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410 §4), followed by the 32 key bytes.
pub(crate) const SPKI_X25519_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];
/// DER prefix of an X25519 PKCS#8 v1 OneAsymmetricKey (RFC 8410 §7), followed by the 32 key
/// bytes.
pub(crate) const PKCS8_X25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

pub(crate) const X25519_LEN: usize = 32;

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

pub(crate) fn decode_base64(text: &str) -> Result<Zeroizing<Vec<u8>>, ResultKeyError> {
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

    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, ResultKeyError> {
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

/// Serialized as base64 of the 32 raw bytes (as in [`ResultPublicKey::to_base64`]).
impl serde::Serialize for ResultPublicKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for ResultPublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Self::from_base64(&text).map_err(serde::de::Error::custom)
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

    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, ResultKeyError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{ResultDecryptionKey, generate_rsa_private_key};

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
        assert!(matches!(
            generate_rsa_private_key(1024),
            Err(ResultKeyError::Rsa(_))
        ));
        let debug = format!("{:?}", ResultSecretKey::from_bytes(&[9u8; 32]).unwrap());
        assert!(!debug.contains('9'));
    }
}
