//! AES-256-GCM at rest: a random 96-bit nonce per write, and the row's identity as associated
//! data, so a ciphertext copied onto another row does not decrypt.

use super::master_key::MasterKey;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// First byte of every sealed value: the layout `version ‖ nonce ‖ ciphertext ‖ tag`.
const FORMAT_V1: u8 = 1;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;

/// What a sealed value belongs to; its text is the associated data.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Row<'a> {
    Secret(&'a str),
    Challenge(&'a str),
    KeyCheck,
}

impl Row<'_> {
    fn associated_data(&self) -> Vec<u8> {
        let (table, id) = match self {
            Row::Secret(id) => ("secret", *id),
            Row::Challenge(task) => ("challenge", *task),
            Row::KeyCheck => ("key-check", ""),
        };
        format!("confide-sms/{table}\0{id}").into_bytes()
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Row::Secret(id) => format!("secret {id}"),
            Row::Challenge(task) => format!("challenge of task {task}"),
            Row::KeyCheck => "key check".into(),
        }
    }
}

/// A sealed value did not open: wrong key, altered bytes or a value moved from another row.
#[derive(Debug)]
pub(crate) struct Unopenable;

/// Seals and opens values under the master key. Ring keeps its expanded key schedule for the
/// life of the store; the master key's own bytes are zeroized by `MasterKey`.
pub(crate) struct Sealer {
    key: LessSafeKey,
    random: SystemRandom,
}

impl Sealer {
    pub(crate) fn new(master_key: &MasterKey) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, master_key.bytes())
            .unwrap_or_else(|_| unreachable!("AES-256 keys are 32 bytes, as MasterKey is"));
        Self {
            key: LessSafeKey::new(key),
            random: SystemRandom::new(),
        }
    }

    /// Random nonces: under one key the collision chance stays below 2⁻³² for 2³² writes.
    pub(crate) fn seal(
        &self,
        row: Row<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ring::error::Unspecified> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce)?;
        let mut sealed = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(plaintext);
        let tag = self.key.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(row.associated_data()),
            &mut sealed[HEADER_LEN..],
        )?;
        sealed.extend_from_slice(tag.as_ref());
        Ok(sealed)
    }

    pub(crate) fn open(
        &self,
        row: Row<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Unopenable> {
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed[0] != FORMAT_V1 {
            return Err(Unopenable);
        }
        let nonce =
            Nonce::try_assume_unique_for_key(&sealed[1..HEADER_LEN]).map_err(|_| Unopenable)?;
        let mut plaintext = Zeroizing::new(sealed[HEADER_LEN..].to_vec());
        let length = self
            .key
            .open_in_place(nonce, Aad::from(row.associated_data()), &mut plaintext)
            .map_err(|_| Unopenable)?
            .len();
        plaintext.truncate(length);
        Ok(plaintext)
    }
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<redacted>)")
    }
}
