//! Ethereum JSON keystores, version 3 ("Web3 Secret Storage"), interoperable with geth and ethers.
//!
//! Layout (all binary values hex, with or without `0x`, any case on read; lowercase on write):
//!
//! ```json
//! {"address":"<20 bytes, optional>",
//!  "crypto":{"cipher":"aes-128-ctr","ciphertext":"<32 bytes>","cipherparams":{"iv":"<16 bytes>"},
//!            "kdf":"scrypt","kdfparams":{"dklen":32,"n":131072,"p":1,"r":8,"salt":"<bytes>"},
//!            "mac":"<32 bytes>"},
//!  "id":"<uuid>","version":3}
//! ```
//!
//! `crypto` may be spelled `Crypto` (ethers, MyEtherWallet). The KDF is scrypt or
//! pbkdf2 (`{"c":…,"dklen":32,"prf":"hmac-sha256","salt":…}`); its 32-byte output `dk` gives the
//! AES-128-CTR key `dk[0..16]` and `mac = keccak256(dk[16..32] ‖ ciphertext)`, checked in constant
//! time before decrypting. The plaintext is the 32-byte secp256k1 secret.
//!
//! Hostile files are bounded before any work: at most [`MAX_KEYSTORE_SIZE`] bytes, scrypt cost
//! 128·n·r·p ≤ [`MAX_SCRYPT_COST`] with p ≤ [`MAX_SCRYPT_P`], pbkdf2 c ≤ [`MAX_PBKDF2_ROUNDS`],
//! salt ≤ [`MAX_SALT_LEN`] bytes. Derived keys and plaintext keys are zeroized after use.
//!
//! Note: the v3 MAC does not cover the IV. With an `address` field an altered IV is caught by the
//! address check ([`KeystoreError::AddressMismatch`]); without one it yields a different key.

mod crypt;
mod error;
mod file;
mod json;
mod kdf;

use alloy_signer_local::PrivateKeySigner;

pub use error::KeystoreError;
pub use file::{geth_file_name, read_keystore_file, write_keystore_file, write_keystore_in_dir};
pub use json::Keystore;
pub use kdf::{Kdf, MAX_PBKDF2_ROUNDS, MAX_SALT_LEN, MAX_SCRYPT_COST, MAX_SCRYPT_P, ScryptParams};

/// Largest keystore file accepted (real ones are about 500 bytes).
pub const MAX_KEYSTORE_SIZE: usize = 64 * 1024;

/// Parses, validates and decrypts a keystore file's bytes.
///
/// `password` is used as given (UTF-8 bytes of the typed text; ethers NFKC-normalizes string
/// passwords first, geth does not).
pub fn decrypt_keystore(json: &[u8], password: &[u8]) -> Result<PrivateKeySigner, KeystoreError> {
    Keystore::from_json(json)?.decrypt(password)
}

/// Encrypts `signer`'s key with scrypt `params`, a random salt, IV and v4 UUID.
pub fn encrypt_keystore(
    signer: &PrivateKeySigner,
    password: &[u8],
    params: ScryptParams,
) -> Result<Keystore, KeystoreError> {
    Keystore::encrypt(signer, password, params)
}
