//! What a secret is stored under, and its canonical text (the row key and the sealing's
//! associated data).

use alloy_primitives::{Address, B256};
use std::fmt;

/// The identity of a stored secret (devtools.md §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretId {
    /// A dataset's key, set by the dataset's on-chain owner.
    Web3 { address: Address },
    /// A named secret of an account (`name` is free text, e.g. a reserved result-key name).
    Web2 { owner: Address, name: String },
    /// An app developer's secret (iExec has only index 1).
    AppDeveloper { app: Address, index: u32 },
    /// A requester's named secret.
    Requester { requester: Address, key: String },
}

impl fmt::Display for SecretId {
    /// The canonical text: kind, then the lowercase `0x` address (fixed length, so the free-text
    /// part after it cannot make two ids collide). Used as the row's key and in audit subjects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretId::Web3 { address } => write!(f, "web3:{}", lower_hex(address.as_slice())),
            SecretId::Web2 { owner, name } => {
                write!(f, "web2:{}:{name}", lower_hex(owner.as_slice()))
            }
            SecretId::AppDeveloper { app, index } => {
                write!(f, "app:{}:{index}", lower_hex(app.as_slice()))
            }
            SecretId::Requester { requester, key } => {
                write!(f, "requester:{}:{key}", lower_hex(requester.as_slice()))
            }
        }
    }
}

/// `0x` and lowercase hex: the database's form of addresses and task ids.
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

pub(crate) fn task_text(task_id: &B256) -> String {
    lower_hex(task_id.as_slice())
}
