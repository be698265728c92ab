//! Key derivation (scrypt, pbkdf2-hmac-sha256) with parameter bounds checked before running.

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::KeystoreError;

/// Largest scrypt cost accepted, as 128·n·r·p bytes (1 GiB). It bounds memory (128·n·r) and time
/// (proportional to n·r·p) of a hostile file. geth's standard parameters use 256 MiB.
pub const MAX_SCRYPT_COST: u64 = 1 << 30;
/// Largest scrypt `p` accepted.
pub const MAX_SCRYPT_P: u64 = 16;
/// Largest pbkdf2 iteration count accepted.
pub const MAX_PBKDF2_ROUNDS: u64 = 10_000_000;
/// Largest salt accepted, in bytes (writers use 32).
pub const MAX_SALT_LEN: usize = 1024;
/// Length of the derived key: 16 bytes of AES-128 key, then 16 bytes of MAC key.
pub(super) const DKLEN: usize = 32;

/// scrypt cost parameters (`n = 2^log_n`, `r`, `p`), always within the module's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScryptParams {
    log_n: u8,
    r: u32,
    p: u32,
}

impl ScryptParams {
    /// ethers v6's default: n = 2^17, r = 8, p = 1 (128 MiB).
    pub const fn standard() -> Self {
        Self {
            log_n: 17,
            r: 8,
            p: 1,
        }
    }

    /// geth's "light" parameters: n = 2^12, r = 8, p = 6 (4 MiB, fast).
    pub const fn light() -> Self {
        Self {
            log_n: 12,
            r: 8,
            p: 6,
        }
    }

    /// Parameters `n = 2^log_n`, `r`, `p`, within the bounds of decryption (including RFC 7914's
    /// `n < 2^(16·r)`).
    pub fn new(log_n: u8, r: u32, p: u32) -> Result<Self, KeystoreError> {
        let Some(n) = 1u64.checked_shl(u32::from(log_n)) else {
            return Err(KeystoreError::ParamOutOfRange {
                param: "scrypt log2(n)",
                got: u64::from(log_n),
                max: 63,
            });
        };
        Self::from_file_values(n, u64::from(r), u64::from(p))
    }

    /// Validates `n`, `r`, `p` as read from a file.
    pub(super) fn from_file_values(n: u64, r: u64, p: u64) -> Result<Self, KeystoreError> {
        if n < 2 {
            return Err(KeystoreError::ParamTooSmall {
                param: "scrypt n",
                got: n,
                min: 2,
            });
        }
        if !n.is_power_of_two() {
            return Err(KeystoreError::ScryptNNotPowerOfTwo { got: n });
        }
        if r < 1 {
            return Err(KeystoreError::ParamTooSmall {
                param: "scrypt r",
                got: r,
                min: 1,
            });
        }
        if p < 1 {
            return Err(KeystoreError::ParamTooSmall {
                param: "scrypt p",
                got: p,
                min: 1,
            });
        }
        if p > MAX_SCRYPT_P {
            return Err(KeystoreError::ParamOutOfRange {
                param: "scrypt p",
                got: p,
                max: MAX_SCRYPT_P,
            });
        }
        // u128 cannot overflow: 128 · 2^63 · 2^64 · 16 < 2^128.
        let cost = 128u128 * u128::from(n) * u128::from(r) * u128::from(p);
        if cost > u128::from(MAX_SCRYPT_COST) {
            return Err(KeystoreError::ParamOutOfRange {
                param: "scrypt cost 128·n·r·p (bytes)",
                got: u64::try_from(cost).unwrap_or(u64::MAX),
                max: MAX_SCRYPT_COST,
            });
        }
        // The cost bound makes r and p fit in u32 and log_n < 30.
        let (Ok(r), Ok(p)) = (u32::try_from(r), u32::try_from(p)) else {
            return Err(KeystoreError::ParamOutOfRange {
                param: "scrypt r",
                got: r,
                max: u64::from(u32::MAX),
            });
        };
        let log_n = u8::try_from(n.trailing_zeros()).unwrap_or(u8::MAX);
        // RFC 7914 requires n < 2^(16·r); ethers, OpenSSL and the scrypt crate refuse files
        // beyond it (geth does not), and so do we.
        let max_log_n = 16 * u64::from(r) - 1;
        if u64::from(log_n) > max_log_n {
            return Err(KeystoreError::ParamOutOfRange {
                param: "scrypt log2(n) (RFC 7914: below 16·r)",
                got: u64::from(log_n),
                max: max_log_n,
            });
        }
        Ok(Self { log_n, r, p })
    }

    /// `log2(n)`.
    pub const fn log_n(&self) -> u8 {
        self.log_n
    }

    /// `n` (CPU/memory cost, a power of two).
    pub const fn n(&self) -> u64 {
        1 << self.log_n
    }

    /// `r` (block size).
    pub const fn r(&self) -> u32 {
        self.r
    }

    /// `p` (parallelization).
    pub const fn p(&self) -> u32 {
        self.p
    }
}

impl Default for ScryptParams {
    fn default() -> Self {
        Self::standard()
    }
}

/// The key derivation function of a keystore and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kdf {
    /// scrypt with `dklen` 32.
    Scrypt {
        /// Cost parameters.
        params: ScryptParams,
        /// Salt.
        salt: Vec<u8>,
    },
    /// PBKDF2 with HMAC-SHA256 and `dklen` 32.
    Pbkdf2 {
        /// Iteration count `c`.
        rounds: u32,
        /// Salt.
        salt: Vec<u8>,
    },
}

impl Kdf {
    /// The salt.
    pub fn salt(&self) -> &[u8] {
        match self {
            Self::Scrypt { salt, .. } | Self::Pbkdf2 { salt, .. } => salt,
        }
    }

    /// Runs the KDF. Parameters were bounded when this value was built.
    pub(super) fn derive(&self, password: &[u8]) -> Zeroizing<[u8; DKLEN]> {
        let mut key = Zeroizing::new([0u8; DKLEN]);
        match self {
            Self::Scrypt { params, salt } => {
                // Cannot fail: the parameters were checked against RFC 7914 when this value was
                // built, and the output length is 32.
                if let Ok(p) = scrypt::Params::new(params.log_n, params.r, params.p, DKLEN) {
                    let _ = scrypt::scrypt(password, salt, &p, key.as_mut_slice());
                }
            }
            Self::Pbkdf2 { rounds, salt } => {
                pbkdf2_hmac::<Sha256>(password, salt, *rounds, key.as_mut_slice());
            }
        }
        key
    }
}

/// Checks a pbkdf2 iteration count read from a file.
pub(super) fn check_pbkdf2_rounds(c: u64) -> Result<u32, KeystoreError> {
    if c < 1 {
        return Err(KeystoreError::ParamTooSmall {
            param: "pbkdf2 c",
            got: c,
            min: 1,
        });
    }
    if c > MAX_PBKDF2_ROUNDS {
        return Err(KeystoreError::ParamOutOfRange {
            param: "pbkdf2 c",
            got: c,
            max: MAX_PBKDF2_ROUNDS,
        });
    }
    u32::try_from(c).map_err(|_| KeystoreError::ParamOutOfRange {
        param: "pbkdf2 c",
        got: c,
        max: MAX_PBKDF2_ROUNDS,
    })
}

/// Checks a salt read from a file.
pub(super) fn check_salt(salt: &[u8]) -> Result<(), KeystoreError> {
    if salt.is_empty() {
        return Err(KeystoreError::ParamTooSmall {
            param: "salt length",
            got: 0,
            min: 1,
        });
    }
    if salt.len() > MAX_SALT_LEN {
        return Err(KeystoreError::ParamOutOfRange {
            param: "salt length",
            got: salt.len() as u64,
            max: MAX_SALT_LEN as u64,
        });
    }
    Ok(())
}
