//! What the API answers (JSON, camelCase), shared by the server and [`crate::IndexerClient`].
//! Addresses and hashes are lowercase 0x-hex; uint256 amounts and counters are decimal
//! strings; byte strings are 0x-hex.

use alloy_primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A page of results, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// Its number (from 0).
    pub page: u64,
    /// Items per page.
    pub page_size: u64,
    /// Whether a next page has items.
    pub has_more: bool,
}

/// A protected data: a dataset created through DataProtector's `createDatasetWithSchema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectedData {
    /// The dataset's address.
    pub address: Address,
    /// Its name.
    pub name: String,
    /// Its current owner.
    pub owner: Address,
    /// The schema, rebuilt from its `path:type` entries as DataProtector's SDK does.
    pub schema: serde_json::Value,
    /// The schema text as published on-chain.
    pub json_schema: String,
    /// The `path:type` entries the schema flattens to (how it is queried).
    pub schema_entries: Vec<String>,
    /// UNIX seconds: the timestamp of its block.
    pub creation_timestamp: u64,
    /// Where the sealed data is, as stored on-chain.
    pub multiaddr: Bytes,
    /// The multiaddr read (`/p2p/<cid>` or an `https://` URL), when it reads.
    pub location: Option<String>,
    /// SHA-256 of the sealed data.
    pub checksum: B256,
    /// The creating transaction.
    pub transaction_hash: B256,
    /// Its block.
    pub block_number: u64,
}

/// The three kinds of registered assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    App,
    Dataset,
    Workerpool,
}

impl AssetKind {
    /// The name stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Dataset => "dataset",
            Self::Workerpool => "workerpool",
        }
    }
}

impl FromStr for AssetKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "app" => Ok(Self::App),
            "dataset" => Ok(Self::Dataset),
            "workerpool" => Ok(Self::Workerpool),
            other => Err(format!("unknown asset kind {other:?}")),
        }
    }
}

/// An app, dataset or workerpool of the registries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// Its address (the registry's token id).
    pub address: Address,
    /// Which registry.
    pub kind: AssetKind,
    /// Its current owner.
    pub owner: Address,
    /// The name; a workerpool's description.
    pub name: String,
    /// An app's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// An app's or dataset's multiaddr, as stored on-chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiaddr: Option<Bytes>,
    /// An app's or dataset's checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<B256>,
    /// An app's MREnclave (TEE configuration), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrenclave: Option<Bytes>,
    /// UNIX seconds: the timestamp of its creation block.
    pub creation_timestamp: u64,
    /// The creating transaction.
    pub transaction_hash: B256,
    /// Its block.
    pub block_number: u64,
}

/// An asset of a deal, with its owner and price at match time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DealResource {
    /// The asset (zero: none).
    pub pointer: Address,
    /// Its owner then.
    pub owner: Address,
    /// Its price per task (nRLC).
    #[serde(with = "decimal")]
    pub price: U256,
}

/// A deal: `OrdersMatched` and the deal's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deal {
    pub deal_id: B256,
    pub app: DealResource,
    pub dataset: DealResource,
    pub workerpool: DealResource,
    #[serde(with = "decimal")]
    pub trust: U256,
    #[serde(with = "decimal")]
    pub category: U256,
    pub tag: B256,
    pub requester: Address,
    pub beneficiary: Address,
    pub callback: Address,
    pub params: String,
    /// UNIX seconds.
    pub start_time: u64,
    /// The index of the deal's first task.
    #[serde(with = "decimal")]
    pub bot_first: U256,
    /// Its number of tasks.
    #[serde(with = "decimal")]
    pub bot_size: U256,
    /// The volume matched (`OrdersMatched`).
    #[serde(with = "decimal")]
    pub volume: U256,
    #[serde(with = "decimal")]
    pub worker_stake: U256,
    #[serde(with = "decimal")]
    pub scheduler_reward_ratio: U256,
    pub sponsor: Address,
    pub app_order_hash: B256,
    pub dataset_order_hash: B256,
    pub workerpool_order_hash: B256,
    pub request_order_hash: B256,
    pub transaction_hash: B256,
    pub block_number: u64,
    /// UNIX seconds: the timestamp of its block.
    pub timestamp: u64,
}

/// A task's status (PoCo's, without UNSET: an indexed task is initialized).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Active,
    Revealing,
    Completed,
    Failed,
}

impl TaskStatus {
    /// The name stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Revealing => "REVEALING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }
}

impl FromStr for TaskStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ACTIVE" => Ok(Self::Active),
            "REVEALING" => Ok(Self::Revealing),
            "COMPLETED" => Ok(Self::Completed),
            "FAILED" => Ok(Self::Failed),
            other => Err(format!(
                "unknown task status {other:?} (ACTIVE, REVEALING, COMPLETED, FAILED)"
            )),
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The task events (PoCo's `Task*` events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskEventKind {
    Initialize,
    Contribute,
    Consensus,
    Reveal,
    Reopen,
    Finalize,
    Claimed,
}

impl TaskEventKind {
    /// The name stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Initialize => "INITIALIZE",
            Self::Contribute => "CONTRIBUTE",
            Self::Consensus => "CONSENSUS",
            Self::Reveal => "REVEAL",
            Self::Reopen => "REOPEN",
            Self::Finalize => "FINALIZE",
            Self::Claimed => "CLAIMED",
        }
    }

    /// The status a task has after this event (`current` for the events that keep it).
    pub fn status_after(self, current: TaskStatus) -> TaskStatus {
        match self {
            Self::Initialize | Self::Reopen => TaskStatus::Active,
            Self::Contribute | Self::Reveal => current,
            Self::Consensus => TaskStatus::Revealing,
            Self::Finalize => TaskStatus::Completed,
            Self::Claimed => TaskStatus::Failed,
        }
    }
}

impl FromStr for TaskEventKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "INITIALIZE" => Self::Initialize,
            "CONTRIBUTE" => Self::Contribute,
            "CONSENSUS" => Self::Consensus,
            "REVEAL" => Self::Reveal,
            "REOPEN" => Self::Reopen,
            "FINALIZE" => Self::Finalize,
            "CLAIMED" => Self::Claimed,
            other => return Err(format!("unknown task event {other:?}")),
        })
    }
}

/// A task with its deal's parties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub task_id: B256,
    pub deal_id: B256,
    /// Its index in the deal.
    #[serde(with = "decimal")]
    pub index: U256,
    /// The current status.
    pub status: TaskStatus,
    /// What `TaskFinalize` published, once completed.
    pub results: Option<Bytes>,
    /// The deal's requester, app, dataset and workerpool (absent when the deal was matched
    /// before the indexer's start block).
    pub requester: Option<Address>,
    pub app: Option<Address>,
    pub dataset: Option<Address>,
    pub workerpool: Option<Address>,
    /// The initializing transaction.
    pub transaction_hash: B256,
    pub block_number: u64,
    /// UNIX seconds: the timestamp of its initialization block.
    pub timestamp: u64,
}

/// One event of a task's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskEvent {
    pub event: TaskEventKind,
    /// The status after it.
    pub status: TaskStatus,
    /// The worker (contribute, reveal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<Address>,
    /// The result hash (contribute), consensus value (consensus) or result digest (reveal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<B256>,
    /// The results (finalize).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Bytes>,
    pub transaction_hash: B256,
    pub block_number: u64,
    pub log_index: u64,
    /// UNIX seconds.
    pub timestamp: u64,
}

/// A task and its status history, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDetails {
    #[serde(flatten)]
    pub task: Task,
    pub history: Vec<TaskEvent>,
}

/// An escrow account: free and locked nRLC (`viewAccount`'s `stake` and `locked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub address: Address,
    #[serde(with = "decimal")]
    pub balance: U256,
    #[serde(with = "decimal")]
    pub locked: U256,
    /// The block of its latest escrow event (none: never seen).
    pub last_block: Option<u64>,
}

/// Where the indexer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub chain_id: u64,
    /// The protocol address indexed.
    pub protocol: Address,
    /// Confirmations a block needs before it is indexed.
    pub confirmations: u64,
    /// The first block indexed.
    pub start_block: u64,
    /// The next block to index.
    pub next_block: u64,
    /// The last block indexed (none yet).
    pub last_indexed_block: Option<u64>,
    /// The chain's head when the follower last looked (none yet).
    pub head_seen: Option<u64>,
    /// Logs indexed since this process started.
    pub logs_indexed: u64,
    /// The follower's last failure, until it succeeds again.
    pub last_error: Option<String>,
}

/// uint256 as a decimal string (0x-hex accepted when reading).
pub(crate) mod decimal {
    use alloy_primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(crate) fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<U256, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}
