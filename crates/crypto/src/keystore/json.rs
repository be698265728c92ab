//! The JSON layout of a v3 keystore, and its validation into a [`Keystore`].

use alloy_primitives::{Address, hex};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    KeystoreError, MAX_KEYSTORE_SIZE,
    kdf::{DKLEN, Kdf, ScryptParams, check_pbkdf2_rounds, check_salt},
};

/// A parsed and validated Ethereum JSON keystore (Web3 Secret Storage v3).
///
/// Building one checks the whole file (version, algorithms, bounded KDF parameters, field
/// lengths) without running the KDF, so [`Keystore::address`] is available without the password.
/// Serializes as geth does: lowercase `crypto`, hex without `0x`, lowercase `address` without `0x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keystore {
    pub(super) address: Option<Address>,
    pub(super) id: Option<String>,
    pub(super) kdf: Kdf,
    pub(super) iv: [u8; 16],
    pub(super) ciphertext: [u8; 32],
    pub(super) mac: [u8; 32],
}

/// Accessors.
impl Keystore {
    /// The `address` field, if the file has one (it is checked against the key on decryption).
    pub fn address(&self) -> Option<Address> {
        self.address
    }

    /// The `id` field (a UUID for files we and geth write; not validated on read).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The key derivation function and its parameters.
    pub fn kdf(&self) -> &Kdf {
        &self.kdf
    }

    /// Parses and validates a keystore file's bytes (at most [`MAX_KEYSTORE_SIZE`] bytes).
    pub fn from_json(json: &[u8]) -> Result<Self, KeystoreError> {
        if json.len() > MAX_KEYSTORE_SIZE {
            return Err(KeystoreError::TooLarge {
                got: json.len() as u64,
                max: MAX_KEYSTORE_SIZE as u64,
            });
        }
        let value: Value = serde_json::from_slice(json).map_err(KeystoreError::Json)?;
        // Check the version before the layout, so a v1/v2 file gets a precise error.
        check_version(value.get("version"))?;
        let raw: RawKeystore = serde_json::from_value(value).map_err(KeystoreError::Json)?;
        Self::try_from(raw)
    }

    /// The keystore as compact JSON, in geth's layout.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, numbers and maps cannot fail.
        serde_json::to_string(&RawKeystore::from(self)).unwrap_or_default()
    }
}

fn check_version(version: Option<&Value>) -> Result<(), KeystoreError> {
    match version {
        Some(Value::Number(n)) if n.as_u64() == Some(3) => Ok(()),
        // ethers accepts "3" as a string too.
        Some(Value::String(s)) if s == "3" => Ok(()),
        Some(other) => Err(KeystoreError::UnsupportedVersion {
            got: truncate(other.to_string()),
        }),
        None => Err(KeystoreError::UnsupportedVersion {
            got: "missing".to_owned(),
        }),
    }
}

/// Keeps error messages short whatever a hostile file contains.
fn truncate(mut s: String) -> String {
    const MAX: usize = 40;
    if s.len() > MAX {
        let mut end = MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

#[derive(Serialize, Deserialize)]
struct RawKeystore {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    /// geth writes `crypto`; ethers and MyEtherWallet write `Crypto`.
    #[serde(alias = "Crypto")]
    crypto: RawCrypto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default)]
    version: Option<Value>,
}

#[derive(Serialize, Deserialize)]
struct RawCrypto {
    cipher: String,
    ciphertext: String,
    cipherparams: RawCipherParams,
    kdf: String,
    kdfparams: Value,
    mac: String,
}

#[derive(Serialize, Deserialize)]
struct RawCipherParams {
    iv: String,
}

#[derive(Serialize, Deserialize)]
struct RawScryptParams {
    dklen: u64,
    n: u64,
    p: u64,
    r: u64,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct RawPbkdf2Params {
    c: u64,
    dklen: u64,
    prf: String,
    salt: String,
}

fn decode_hex(field: &'static str, s: &str) -> Result<Vec<u8>, KeystoreError> {
    hex::decode(s).map_err(|source| KeystoreError::Hex { field, source })
}

fn decode_fixed<const N: usize>(field: &'static str, s: &str) -> Result<[u8; N], KeystoreError> {
    let bytes = decode_hex(field, s)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| KeystoreError::Length {
        field,
        expected: N,
        got: bytes.len(),
    })
}

fn check_dklen(dklen: u64) -> Result<(), KeystoreError> {
    if dklen == DKLEN as u64 {
        Ok(())
    } else {
        Err(KeystoreError::InvalidDklen { got: dklen })
    }
}

fn parse_kdf(name: &str, params: Value) -> Result<Kdf, KeystoreError> {
    if name.eq_ignore_ascii_case("scrypt") {
        let p: RawScryptParams = serde_json::from_value(params).map_err(KeystoreError::Json)?;
        check_dklen(p.dklen)?;
        let params = ScryptParams::from_file_values(p.n, p.r, p.p)?;
        let salt = decode_hex("crypto.kdfparams.salt", &p.salt)?;
        check_salt(&salt)?;
        Ok(Kdf::Scrypt { params, salt })
    } else if name.eq_ignore_ascii_case("pbkdf2") {
        let p: RawPbkdf2Params = serde_json::from_value(params).map_err(KeystoreError::Json)?;
        if !p.prf.eq_ignore_ascii_case("hmac-sha256") {
            return Err(KeystoreError::UnsupportedPrf(truncate(p.prf)));
        }
        check_dklen(p.dklen)?;
        let rounds = check_pbkdf2_rounds(p.c)?;
        let salt = decode_hex("crypto.kdfparams.salt", &p.salt)?;
        check_salt(&salt)?;
        Ok(Kdf::Pbkdf2 { rounds, salt })
    } else {
        Err(KeystoreError::UnsupportedKdf(truncate(name.to_owned())))
    }
}

impl TryFrom<RawKeystore> for Keystore {
    type Error = KeystoreError;

    fn try_from(raw: RawKeystore) -> Result<Self, KeystoreError> {
        check_version(raw.version.as_ref())?;
        let c = raw.crypto;
        if !c.cipher.eq_ignore_ascii_case("aes-128-ctr") {
            return Err(KeystoreError::UnsupportedCipher(truncate(c.cipher)));
        }
        let kdf = parse_kdf(&c.kdf, c.kdfparams)?;
        let iv = decode_fixed("crypto.cipherparams.iv", &c.cipherparams.iv)?;
        let ciphertext = decode_fixed("crypto.ciphertext", &c.ciphertext)?;
        let mac = decode_fixed("crypto.mac", &c.mac)?;
        let address = raw
            .address
            .map(|a| decode_fixed::<20>("address", &a).map(Address::from))
            .transpose()?;
        Ok(Self {
            address,
            id: raw.id,
            kdf,
            iv,
            ciphertext,
            mac,
        })
    }
}

impl From<&Keystore> for RawKeystore {
    fn from(k: &Keystore) -> Self {
        let (kdf, kdfparams) = match &k.kdf {
            Kdf::Scrypt { params, salt } => (
                "scrypt",
                serde_json::to_value(RawScryptParams {
                    dklen: DKLEN as u64,
                    n: params.n(),
                    p: u64::from(params.p()),
                    r: u64::from(params.r()),
                    salt: hex::encode(salt),
                }),
            ),
            Kdf::Pbkdf2 { rounds, salt } => (
                "pbkdf2",
                serde_json::to_value(RawPbkdf2Params {
                    c: u64::from(*rounds),
                    dklen: DKLEN as u64,
                    prf: "hmac-sha256".to_owned(),
                    salt: hex::encode(salt),
                }),
            ),
        };
        Self {
            address: k.address.map(hex::encode),
            crypto: RawCrypto {
                cipher: "aes-128-ctr".to_owned(),
                ciphertext: hex::encode(k.ciphertext),
                cipherparams: RawCipherParams {
                    iv: hex::encode(k.iv),
                },
                kdf: kdf.to_owned(),
                kdfparams: kdfparams.unwrap_or(Value::Null),
                mac: hex::encode(k.mac),
            },
            id: k.id.clone(),
            version: Some(Value::from(3)),
        }
    }
}

impl Serialize for Keystore {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawKeystore::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Keystore {
    /// Same validation as [`Keystore::from_json`], but errors become serde messages and the
    /// version must be the number 3; prefer `from_json` for typed errors.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawKeystore::deserialize(deserializer)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}
