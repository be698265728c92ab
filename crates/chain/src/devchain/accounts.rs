//! The dev accounts: keys derived from a BIP-39 mnemonic along `m/44'/60'/0'/0/i` (BIP-32),
//! exactly as anvil, hardhat and ganache derive theirs, so the default mnemonic gives their
//! well-known accounts (`0xf39F…2266`, `0x7099…79C8`, …).
//!
//! The derivation is small enough to write here (PBKDF2-HMAC-SHA512 seed, HMAC-SHA512 child
//! keys, secp256k1 scalar addition through alloy's `k256`) rather than pull `coins-bip32`/`-39`
//! and their second `thiserror`/`base64` generation; the tests check it against anvil's keys.

use alloy_primitives::{Address, B256};
use alloy_signer::k256::elliptic_curve::sec1::ToEncodedPoint;
use alloy_signer::k256::{NonZeroScalar, Scalar, SecretKey};
use alloy_signer_local::PrivateKeySigner;
use hmac::{Hmac, Mac};
use sha2::Sha512;
use std::fmt;

/// The mnemonic of anvil's (and hardhat's) default accounts.
pub const DEFAULT_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// The derivation path prefix of the dev accounts (`m/44'/60'/0'/0/i`).
pub const DERIVATION_PATH: &str = "m/44'/60'/0'/0";

const HARDENED: u32 = 0x8000_0000;

/// A funded development account and its key.
#[derive(Clone)]
pub struct DevAccount {
    /// The account's address.
    pub address: Address,
    /// Its index in the derivation path.
    pub index: u32,
    signer: PrivateKeySigner,
}

impl fmt::Debug for DevAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevAccount")
            .field("address", &self.address)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl DevAccount {
    /// A signer holding the account's key.
    pub fn signer(&self) -> &PrivateKeySigner {
        &self.signer
    }

    /// The account's private key (a development key: public knowledge for the default mnemonic).
    pub fn private_key(&self) -> B256 {
        self.signer.to_bytes()
    }
}

/// Why a key cannot be derived (astronomically unlikely for any mnemonic).
#[derive(Debug, thiserror::Error)]
#[error("cannot derive key {index} from the mnemonic: {reason}")]
pub struct KeyDerivationError {
    /// The account index.
    pub index: u32,
    /// Why.
    pub reason: &'static str,
}

/// Derives accounts `0..count` of `mnemonic` (empty BIP-39 passphrase) along
/// [`DERIVATION_PATH`]. The mnemonic's words are not checked against the BIP-39 word list.
pub fn derive_accounts(mnemonic: &str, count: u32) -> Result<Vec<DevAccount>, KeyDerivationError> {
    let normalized = mnemonic.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(normalized.as_bytes(), b"mnemonic", 2048, &mut seed);
    let master = hmac512(b"Bitcoin seed", &[&seed]);
    let fail = |index, reason| KeyDerivationError { index, reason };
    let (mut key, mut chain) = split(&master).ok_or_else(|| fail(0, "invalid master key"))?;
    for step in [44 | HARDENED, 60 | HARDENED, HARDENED, 0] {
        (key, chain) = child(&key, &chain, step).ok_or_else(|| fail(0, "invalid parent key"))?;
    }
    (0..count)
        .map(|index| {
            let (secret, _) = child(&key, &chain, index).ok_or_else(|| fail(index, "invalid"))?;
            let bytes = B256::from_slice(&secret.to_bytes());
            let signer = PrivateKeySigner::from_bytes(&bytes)
                .map_err(|_| fail(index, "not a valid secp256k1 key"))?;
            Ok(DevAccount {
                address: signer.address(),
                index,
                signer,
            })
        })
        .collect()
}

fn hmac512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    let mut mac =
        <Hmac<Sha512> as Mac>::new_from_slice(key).expect("HMAC-SHA512 takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// `(key, chain code)` from 64 bytes, or `None` when the left half is not a valid key.
fn split(bytes: &[u8; 64]) -> Option<(NonZeroScalar, [u8; 32])> {
    let (left, right) = bytes.split_at(32);
    let secret = SecretKey::from_slice(left).ok()?;
    Some((secret.to_nonzero_scalar(), right.try_into().ok()?))
}

/// BIP-32 private child derivation (CKDpriv).
fn child(key: &NonZeroScalar, chain: &[u8; 32], index: u32) -> Option<(NonZeroScalar, [u8; 32])> {
    let digest = if index >= HARDENED {
        hmac512(chain, &[&[0], &key.to_bytes(), &index.to_be_bytes()])
    } else {
        let public = SecretKey::from(*key).public_key().to_encoded_point(true);
        hmac512(chain, &[public.as_bytes(), &index.to_be_bytes()])
    };
    let (tweak, chain) = split(&digest)?;
    let sum: Scalar = *tweak.as_ref() + key.as_ref();
    Option::from(NonZeroScalar::new(sum)).map(|k| (k, chain))
}
