//! Decryption and encryption of the secret key.

use aes::Aes128;
use alloy_primitives::Keccak256;
use alloy_signer_local::PrivateKeySigner;
use ctr::{
    Ctr128BE,
    cipher::{KeyIvInit, StreamCipher},
};
use rand::{RngCore, rngs::OsRng};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

use super::{
    Keystore, KeystoreError,
    kdf::{DKLEN, Kdf, ScryptParams},
};

/// `keccak256(dk[16..32] ‖ ciphertext)`. Hashed directly (never through alloy's optional
/// keccak cache, which would keep key material around).
fn mac(dk: &[u8; DKLEN], ciphertext: &[u8; 32]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(&dk[16..]);
    h.update(ciphertext);
    h.finalize().0
}

/// AES-128-CTR with a 128-bit big-endian counter (as geth's `cipher.NewCTR` and aes-js).
fn apply_ctr(dk: &[u8; DKLEN], iv: &[u8; 16], data: &mut [u8; 32]) {
    let mut aes_key = Zeroizing::new([0u8; 16]);
    aes_key.copy_from_slice(&dk[..16]);
    let mut cipher = Ctr128BE::<Aes128>::new(aes_key.as_ref().into(), iv.into());
    cipher.apply_keystream(data);
}

impl Keystore {
    /// Decrypts the secret key with `password` (bytes as given, see
    /// [`decrypt_keystore`](super::decrypt_keystore)).
    ///
    /// Errors: [`KeystoreError::WrongPassword`] if the MAC does not match,
    /// [`KeystoreError::InvalidSecretKey`] if the plaintext is 0 or ≥ the curve order,
    /// [`KeystoreError::AddressMismatch`] if the file's `address` is not the key's.
    pub fn decrypt(&self, password: &[u8]) -> Result<PrivateKeySigner, KeystoreError> {
        let dk = self.kdf.derive(password);
        let expected = mac(&dk, &self.ciphertext);
        if !bool::from(expected.ct_eq(&self.mac)) {
            return Err(KeystoreError::WrongPassword);
        }
        let mut secret = Zeroizing::new(self.ciphertext);
        apply_ctr(&dk, &self.iv, &mut secret);
        let signer = PrivateKeySigner::from_slice(secret.as_slice())
            .map_err(|_| KeystoreError::InvalidSecretKey)?;
        if let Some(expected) = self.address
            && expected != signer.address()
        {
            return Err(KeystoreError::AddressMismatch {
                expected,
                got: signer.address(),
            });
        }
        Ok(signer)
    }

    /// Encrypts `signer`'s key with scrypt `params`, a random 32-byte salt, a random 16-byte IV
    /// and a random v4 UUID; the `address` field is set.
    pub fn encrypt(
        signer: &PrivateKeySigner,
        password: &[u8],
        params: ScryptParams,
    ) -> Result<Self, KeystoreError> {
        let mut random = [0u8; 32 + 16 + 16];
        OsRng
            .try_fill_bytes(&mut random)
            .map_err(KeystoreError::Rng)?;
        let (salt, rest) = random.split_at(32);
        let (iv, id) = rest.split_at(16);
        let mut salt_arr = [0u8; 32];
        salt_arr.copy_from_slice(salt);
        let mut iv_arr = [0u8; 16];
        iv_arr.copy_from_slice(iv);
        let mut id_arr = [0u8; 16];
        id_arr.copy_from_slice(id);
        let id = uuid::Builder::from_random_bytes(id_arr).into_uuid();
        Ok(Self::encrypt_with_parts(
            signer, password, params, salt_arr, iv_arr, id,
        ))
    }

    /// Encrypts with caller-chosen salt, IV and id: for reproducing test vectors only. Reusing
    /// a salt and IV with the same password reuses the keystream; use [`Keystore::encrypt`].
    pub fn encrypt_with_parts(
        signer: &PrivateKeySigner,
        password: &[u8],
        params: ScryptParams,
        salt: [u8; 32],
        iv: [u8; 16],
        id: Uuid,
    ) -> Self {
        let kdf = Kdf::Scrypt {
            params,
            salt: salt.to_vec(),
        };
        let dk = kdf.derive(password);
        let mut field_bytes = signer.to_field_bytes();
        let mut ciphertext = [0u8; 32];
        ciphertext.copy_from_slice(&field_bytes);
        field_bytes.as_mut_slice().zeroize();
        apply_ctr(&dk, &iv, &mut ciphertext);
        let mac = mac(&dk, &ciphertext);
        Self {
            address: Some(signer.address()),
            id: Some(id.hyphenated().to_string()),
            kdf,
            iv,
            ciphertext,
            mac,
        }
    }
}
