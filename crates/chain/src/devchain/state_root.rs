//! The state root: a Merkle-Patricia trie over the accounts (`keccak(address)` →
//! `rlp(nonce, balance, storage_root, code_hash)`) with one storage trie per account
//! (`keccak(slot)` → `rlp(value)`), as Ethereum defines it.
//!
//! Storage tries are the expensive part (the protocol contract holds every deal and task, the
//! token every balance), so [`StateRoots`] keeps each account's storage keyed by hashed slot,
//! sorted, updated from the [`StateDiff`] of every committed transaction, and caches the hashes
//! of the trie's top nodes: for every prefix of up to four nibbles holding many keys, the hash
//! of the branch node heading them (computed from its sixteen children's), and below that the
//! hash of each small subtrie. A changed slot invalidates only the four nodes on its path, so a
//! block costs a few small subtries and branch nodes, whatever the storage's size. Where the
//! keys under a prefix do not diverge at the next nibble, the node is hashed directly. Small
//! storages (under [`BUCKETED_FROM`] slots) are hashed directly. The account trie is rebuilt each
//! time (a few dozen accounts). [`StateRoots::full`] recomputes everything from scratch with
//! alloy-trie's reference functions, for verification.

use crate::evm::{Db, StateDiff};
use alloy_consensus::{EMPTY_ROOT_HASH, TrieAccount};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_rlp::{BufMut, Encodable};
use alloy_trie::root::{state_root, storage_root};
use alloy_trie::{HashBuilder, Nibbles};
use revm::database::AccountState;
use std::collections::{BTreeMap, HashMap};

/// Storages with at least this many slots, and subtries with at least this many keys, are
/// hashed through their cached branch nodes; smaller ones directly.
pub(crate) const BUCKETED_FROM: usize = 64;

/// Node hashes are cached for prefixes of up to this many nibbles (65 536 nodes at the deepest
/// level). Below it a leaf's remaining path is ≥ 60 nibbles, so every node is ≥ 32 bytes and
/// referenced by hash, as the cached branch hashes assume.
const CACHED_DEPTH: usize = 4;

/// One account's storage and its cached hashes.
#[derive(Debug, Clone, Default)]
struct Storage {
    /// Non-zero slots keyed by `keccak(slot)`.
    slots: BTreeMap<B256, U256>,
    /// Hash of the node heading the subtrie of each prefix (`depth` nibbles, value), while
    /// none of its keys changed.
    nodes: HashMap<(usize, u16), B256>,
    /// The storage root, when still valid.
    root: Option<B256>,
}

/// The first `depth` nibbles of `key`, as a number.
fn prefix_of(key: &B256, depth: usize) -> u16 {
    (u16::from_be_bytes([key[0], key[1]])) >> (4 * (CACHED_DEPTH - depth))
}

impl Storage {
    fn root(&mut self) -> B256 {
        if let Some(root) = self.root {
            return root;
        }
        let root = if self.slots.len() < BUCKETED_FROM {
            storage_root(self.slots.iter().map(|(k, v)| (*k, *v)))
        } else {
            self.branch_hash_at(0, 0)
                .unwrap_or_else(|| storage_root(self.slots.iter().map(|(k, v)| (*k, *v))))
        };
        self.root = Some(root);
        root
    }

    /// Forgets the hashes `key` changes.
    fn invalidate(&mut self, key: &B256) {
        for depth in 1..=CACHED_DEPTH {
            self.nodes.remove(&(depth, prefix_of(key, depth)));
        }
        self.root = None;
    }

    /// The slots whose key starts with the `depth` nibbles `prefix`.
    fn under(&self, depth: usize, prefix: u16) -> impl Iterator<Item = (&B256, &U256)> {
        let shift = 4 * (CACHED_DEPTH - depth);
        let bound = |p: u32| {
            let mut key = B256::ZERO;
            key[..2].copy_from_slice(&((p << shift) as u16).to_be_bytes());
            key
        };
        let low = bound(u32::from(prefix));
        let end = u32::from(prefix) + 1;
        if (end << shift) > u32::from(u16::MAX) {
            self.slots.range(low..)
        } else {
            self.slots.range(low..bound(end))
        }
    }

    /// Hash of the node at `depth` heading the keys of `prefix`, their paths cut by `depth`
    /// nibbles, computed from the keys.
    fn direct(&self, depth: usize, prefix: u16) -> B256 {
        let mut hb = HashBuilder::default();
        for (key, value) in self.under(depth, prefix) {
            let path = Nibbles::unpack(key).slice(depth..);
            hb.add_leaf(path, &alloy_rlp::encode_fixed_size(value));
        }
        hb.root()
    }

    /// The hash of the child node of `prefix` (`depth` nibbles), cached; `None` when no key
    /// has that prefix.
    fn child_hash(&mut self, depth: usize, prefix: u16) -> Option<B256> {
        if let Some(hash) = self.nodes.get(&(depth, prefix)) {
            return Some(*hash);
        }
        let keys = self.under(depth, prefix).take(BUCKETED_FROM).count();
        if keys == 0 {
            return None;
        }
        let hash = if keys < BUCKETED_FROM || depth == CACHED_DEPTH {
            self.direct(depth, prefix)
        } else {
            // Many keys: a branch, unless they all share the next nibble (then an extension).
            self.branch_hash_at(depth, prefix)
                .unwrap_or_else(|| self.direct(depth, prefix))
        };
        self.nodes.insert((depth, prefix), hash);
        Some(hash)
    }

    /// The hash of the branch node heading `prefix`'s keys, from its children's hashes; `None`
    /// when fewer than two children exist (the node is not a branch).
    fn branch_hash_at(&mut self, depth: usize, prefix: u16) -> Option<B256> {
        let mut children = [None; 16];
        for (nibble, child) in children.iter_mut().enumerate() {
            *child = self.child_hash(depth + 1, (prefix << 4) | nibble as u16);
        }
        (children.iter().flatten().count() >= 2).then(|| branch_hash(&children))
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
        storage.invalidate(&key);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// alloy-trie's root of the same slots.
    fn reference(storage: &Storage) -> B256 {
        storage_root(storage.slots.iter().map(|(k, v)| (*k, *v)))
    }

    /// The cached root equals alloy-trie's reference over the same slots, through growth,
    /// updates and deletions, from a few slots to tens of thousands.
    #[test]
    fn cached_storage_roots_match_the_reference() {
        let mut storage = Storage::default();
        let set = |storage: &mut Storage, slot: u64, value: u64| {
            let key = keccak256(U256::from(slot).to_be_bytes::<32>());
            if value == 0 {
                storage.slots.remove(&key);
            } else {
                storage.slots.insert(key, U256::from(value));
            }
            storage.invalidate(&key);
        };
        let mut checked = 0;
        for slot in 0..40_000u64 {
            set(&mut storage, slot, slot + 1);
            if slot.is_power_of_two() || slot % 9_973 == 0 {
                assert_eq!(
                    storage.root(),
                    reference(&storage),
                    "after {} slots",
                    slot + 1
                );
                checked += 1;
            }
        }
        // Updates and deletions spread over the keys, checked between batches.
        for round in 1..6u64 {
            for slot in (round..40_000).step_by(97) {
                set(
                    &mut storage,
                    slot,
                    if round % 2 == 0 { 0 } else { slot * round },
                );
            }
            assert_eq!(storage.root(), reference(&storage), "round {round}");
            checked += 1;
        }
        // Down to a handful of slots again.
        for slot in 0..39_990u64 {
            set(&mut storage, slot, 0);
        }
        assert_eq!(storage.root(), reference(&storage));
        assert!(checked > 15);
    }

    /// Keys crowded under few deep prefixes (`key[1]` ∈ {00, 01, 10, 11}) make branches down
    /// to the deepest cached level; changes there are seen.
    #[test]
    fn the_deepest_cached_nodes_are_invalidated() {
        let mut storage = Storage::default();
        let key = |i: u32| {
            let mut key = keccak256(i.to_be_bytes());
            key[1] = [0x00, 0x01, 0x10, 0x11][(i % 4) as usize];
            key
        };
        for i in 0..40_000u32 {
            storage.slots.insert(key(i), U256::from(i + 1));
            storage.invalidate(&key(i));
        }
        assert_eq!(storage.root(), reference(&storage));
        assert!(
            storage
                .nodes
                .keys()
                .any(|(depth, _)| *depth == CACHED_DEPTH)
        );
        for i in (0..40_000u32).step_by(1_001) {
            storage.slots.insert(key(i), U256::from(7));
            storage.invalidate(&key(i));
            assert_eq!(
                storage.root(),
                reference(&storage),
                "after changing key {i}"
            );
        }
    }

    /// Keys sharing their first nibbles (an extension at the top) are hashed right too.
    #[test]
    fn keys_sharing_a_prefix_fall_back_to_a_direct_computation() {
        let mut storage = Storage::default();
        for i in 0..200u16 {
            let mut key = B256::ZERO;
            key[0] = 0xab;
            key[1] = 0xc0 | (i % 3) as u8;
            key[2..4].copy_from_slice(&i.to_be_bytes());
            storage.slots.insert(key, U256::from(i + 1));
            storage.invalidate(&key);
        }
        assert_eq!(storage.root(), reference(&storage));
    }
}
