//! The state root: a Merkle-Patricia trie over the accounts (`keccak(address)` →
//! `rlp(nonce, balance, storage_root, code_hash)`) with one storage trie per account
//! (`keccak(slot)` → `rlp(value)`), as Ethereum defines it.
//!
//! Storage tries are the expensive part (the protocol contract holds every deal and task, the
//! token every balance), so [`StateRoots`] keeps each account's storage keyed by hashed slot,
//! sorted, updated from the [`StateDiff`] of every committed transaction, and computes large
//! storage tries by *buckets*: the slots sharing the first byte (two nibbles) of their hashed
//! key form a subtrie whose hash is cached until one of its slots changes. The root is then
//! assembled from the 256 bucket hashes (two levels of branch nodes), which is exact as long
//! as the keys diverge in their first nibble and, within a first nibble, in the second —
//! otherwise the affected level falls back to a direct computation. Small storages (under
//! [`BUCKETED_FROM`] slots) are hashed directly. The account trie is rebuilt each time (a few
//! dozen accounts). [`StateRoots::full`] recomputes everything from scratch with alloy-trie's
//! reference functions, for verification.

use crate::evm::{Db, StateDiff};
use alloy_consensus::{EMPTY_ROOT_HASH, TrieAccount};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_rlp::{BufMut, Encodable};
use alloy_trie::root::{state_root, storage_root};
use alloy_trie::{HashBuilder, Nibbles};
use revm::database::AccountState;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Storages with at least this many slots are hashed by buckets.
pub(crate) const BUCKETED_FROM: usize = 256;

/// One account's storage and its cached hashes.
#[derive(Debug, Clone, Default)]
struct Storage {
    /// Non-zero slots keyed by `keccak(slot)`.
    slots: BTreeMap<B256, U256>,
    /// Cached subtrie hash of each non-empty bucket (first key byte) still valid.
    buckets: HashMap<u8, B256>,
    /// Buckets changed since their hash was cached.
    dirty: BTreeSet<u8>,
    /// The storage root, when still valid.
    root: Option<B256>,
}

impl Storage {
    fn root(&mut self) -> B256 {
        if let Some(root) = self.root {
            return root;
        }
        let root = if self.slots.len() < BUCKETED_FROM {
            storage_root(self.slots.iter().map(|(k, v)| (*k, *v)))
        } else {
            // Buckets changed while the storage was small stay dirty until this computes them.
            self.bucketed_root()
        };
        self.root = Some(root);
        root
    }

    /// The slots of bucket `byte`.
    fn bucket(&self, byte: u8) -> impl Iterator<Item = (&B256, &U256)> {
        let mut start = B256::ZERO;
        start[0] = byte;
        self.slots
            .range(start..)
            .take_while(move |(key, _)| key[0] == byte)
    }

    /// Hash of the subtrie of the keys of `buckets` (all under one prefix of `skip` nibbles),
    /// their paths cut by `skip` nibbles.
    fn subtrie(&self, buckets: &[u8], skip: usize) -> B256 {
        let mut hb = HashBuilder::default();
        for byte in buckets {
            for (key, value) in self.bucket(*byte) {
                let path = Nibbles::unpack(key).slice(skip..);
                hb.add_leaf(path, &alloy_rlp::encode_fixed_size(value));
            }
        }
        hb.root()
    }

    fn bucketed_root(&mut self) -> B256 {
        for byte in std::mem::take(&mut self.dirty) {
            if self.bucket(byte).next().is_some() {
                let hash = self.subtrie(&[byte], 2);
                self.buckets.insert(byte, hash);
            } else {
                self.buckets.remove(&byte);
            }
        }
        // Level 1: one node per first nibble.
        let mut level1: [Option<B256>; 16] = [None; 16];
        for (high, node) in level1.iter_mut().enumerate() {
            let present: Vec<u8> = (0..16u8)
                .map(|low| ((high as u8) << 4) | low)
                .filter(|byte| self.buckets.contains_key(byte))
                .collect();
            *node = match present.as_slice() {
                [] => None,
                // One bucket: the node is an extension or leaf covering the second nibble.
                [_] => Some(self.subtrie(&present, 1)),
                _ => {
                    let children: Vec<Option<B256>> = (0..16u8)
                        .map(|low| self.buckets.get(&(((high as u8) << 4) | low)).copied())
                        .collect();
                    Some(branch_hash(&children))
                }
            };
        }
        let present = level1.iter().filter(|n| n.is_some()).count();
        if present < 2 {
            // All keys share their first nibble: hash them directly.
            return storage_root(self.slots.iter().map(|(k, v)| (*k, *v)));
        }
        branch_hash(&level1)
    }
}

/// `keccak(rlp(branch))` of a branch node with these hashed children and no value.
fn branch_hash(children: &[Option<B256>]) -> B256 {
    let payload: usize = children
        .iter()
        .map(|child| child.map_or(1, |_| 33))
        .sum::<usize>()
        + 1;
    let mut out = Vec::with_capacity(payload + 3);
    alloy_rlp::Header {
        list: true,
        payload_length: payload,
    }
    .encode(&mut out);
    for child in children {
        match child {
            Some(hash) => hash.encode(&mut out),
            None => out.put_u8(alloy_rlp::EMPTY_STRING_CODE),
        }
    }
    out.put_u8(alloy_rlp::EMPTY_STRING_CODE);
    keccak256(&out)
}

/// Per-account hashed storage and cached storage roots.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateRoots {
    storage: HashMap<Address, Storage>,
}

impl StateRoots {
    /// Indexes the whole storage of `db`.
    pub(crate) fn from_db(db: &Db) -> Self {
        let mut this = Self::default();
        for (address, account) in &db.cache.accounts {
            for (slot, value) in &account.storage {
                this.set(*address, *slot, *value);
            }
        }
        this
    }

    fn set(&mut self, address: Address, slot: U256, value: U256) {
        let key = keccak256(slot.to_be_bytes::<32>());
        let storage = self.storage.entry(address).or_default();
        if value.is_zero() {
            storage.slots.remove(&key);
        } else {
            storage.slots.insert(key, value);
        }
        storage.dirty.insert(key[0]);
        storage.root = None;
    }

    /// Applies what a committed transaction changed.
    pub(crate) fn apply(&mut self, diff: &StateDiff) {
        for address in &diff.cleared {
            self.storage.remove(address);
        }
        for (address, slot, value) in &diff.slots {
            self.set(*address, *slot, *value);
        }
    }

    /// The state root of `db` (whose storage this index must mirror).
    pub(crate) fn compute(&mut self, db: &Db) -> B256 {
        let mut accounts: Vec<(B256, TrieAccount)> = Vec::with_capacity(db.cache.accounts.len());
        for (address, account) in &db.cache.accounts {
            if matches!(account.account_state, AccountState::NotExisting) || account.info.is_empty()
            {
                continue;
            }
            let storage_root = match self.storage.get_mut(address) {
                Some(storage) if !storage.slots.is_empty() => storage.root(),
                _ => EMPTY_ROOT_HASH,
            };
            accounts.push((
                keccak256(address),
                TrieAccount {
                    nonce: account.info.nonce,
                    balance: account.info.balance,
                    storage_root,
                    code_hash: account.info.code_hash,
                },
            ));
        }
        accounts.sort_unstable_by_key(|(key, _)| *key);
        state_root(accounts)
    }

    /// The state root of `db` computed from scratch, without any cache (to verify
    /// [`Self::compute`]).
    pub(crate) fn full(db: &Db) -> B256 {
        let mut accounts: Vec<(B256, TrieAccount)> = db
            .cache
            .accounts
            .iter()
            .filter(|(_, a)| {
                !matches!(a.account_state, AccountState::NotExisting) && !a.info.is_empty()
            })
            .map(|(address, a)| {
                let mut slots: Vec<(B256, U256)> = a
                    .storage
                    .iter()
                    .filter(|(_, v)| !v.is_zero())
                    .map(|(k, v)| (keccak256(k.to_be_bytes::<32>()), *v))
                    .collect();
                slots.sort_unstable_by_key(|(k, _)| *k);
                let account = TrieAccount {
                    nonce: a.info.nonce,
                    balance: a.info.balance,
                    storage_root: storage_root(slots),
                    code_hash: a.info.code_hash,
                };
                (keccak256(address), account)
            })
            .collect();
        accounts.sort_unstable_by_key(|(key, _)| *key);
        state_root(accounts)
    }
}
