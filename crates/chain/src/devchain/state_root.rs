//! The state root: a Merkle-Patricia trie over the accounts (`keccak(address)` →
//! `rlp(nonce, balance, storage_root, code_hash)`) with one storage trie per account
//! (`keccak(slot)` → `rlp(value)`), as Ethereum defines it.
//!
//! Storage tries are the expensive part (the protocol contract holds every deal and task), so
//! [`StateRoots`] keeps each account's storage keyed by hashed slot and sorted, updates it from
//! the [`StateDiff`] of every committed transaction, and recomputes the storage root of the
//! accounts changed since the last computation only. The account trie is rebuilt each time
//! (a few dozen accounts).

use crate::evm::{Db, StateDiff};
use alloy_consensus::{EMPTY_ROOT_HASH, TrieAccount};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::root::{state_root, storage_root};
use revm::database::AccountState;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Per-account hashed storage and cached storage roots.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateRoots {
    /// Non-zero storage of every account, keyed by `keccak(slot)`.
    storage: HashMap<Address, BTreeMap<B256, U256>>,
    /// Storage roots computed so far.
    roots: HashMap<Address, B256>,
    /// Accounts whose storage changed since their root was computed.
    dirty: HashSet<Address>,
}

impl StateRoots {
    /// Indexes the whole storage of `db`.
    pub(crate) fn from_db(db: &Db) -> Self {
        let mut this = Self::default();
        for (address, account) in &db.cache.accounts {
            let slots: BTreeMap<B256, U256> = account
                .storage
                .iter()
                .filter(|(_, value)| !value.is_zero())
                .map(|(slot, value)| (keccak256(slot.to_be_bytes::<32>()), *value))
                .collect();
            if !slots.is_empty() {
                this.storage.insert(*address, slots);
                this.dirty.insert(*address);
            }
        }
        this
    }

    /// Applies what a committed transaction changed.
    pub(crate) fn apply(&mut self, diff: &StateDiff) {
        for address in &diff.cleared {
            self.storage.remove(address);
            self.roots.remove(address);
        }
        for (address, slot, value) in &diff.slots {
            let key = keccak256(slot.to_be_bytes::<32>());
            let slots = self.storage.entry(*address).or_default();
            if value.is_zero() {
                slots.remove(&key);
            } else {
                slots.insert(key, *value);
            }
            self.dirty.insert(*address);
        }
    }

    /// The state root of `db` (whose storage this index must mirror).
    pub(crate) fn compute(&mut self, db: &Db) -> B256 {
        for address in std::mem::take(&mut self.dirty) {
            match self.storage.get(&address) {
                Some(slots) if !slots.is_empty() => {
                    let root = storage_root(slots.iter().map(|(k, v)| (*k, *v)));
                    self.roots.insert(address, root);
                }
                _ => {
                    self.storage.remove(&address);
                    self.roots.remove(&address);
                }
            }
        }
        let mut accounts: Vec<(B256, TrieAccount)> = db
            .cache
            .accounts
            .iter()
            .filter(|(_, account)| {
                !matches!(account.account_state, AccountState::NotExisting)
                    && !account.info.is_empty()
            })
            .map(|(address, account)| {
                let trie_account = TrieAccount {
                    nonce: account.info.nonce,
                    balance: account.info.balance,
                    storage_root: self.roots.get(address).copied().unwrap_or(EMPTY_ROOT_HASH),
                    code_hash: account.info.code_hash,
                };
                (keccak256(address), trie_account)
            })
            .collect();
        accounts.sort_unstable_by_key(|(key, _)| *key);
        state_root(accounts)
    }
}
