//! The dev chain: an in-process Ethereum-like chain on [`Evm`] with real blocks, raw signed
//! transactions, receipts and logs, persisted in a journal — the core a JSON-RPC server
//! serves.
//!
//! - **Genesis** (`genesis`): ten dev accounts derived from anvil's mnemonic, funded with
//!   ether and RLC; Confide deployed and configured (block 0 carries the state only).
//! - **Transactions** ([`tx`]): raw EIP-2718 transactions (legacy with or without EIP-155,
//!   EIP-2930, EIP-1559), checked on admission with typed [`TxError`]s; a refused transaction
//!   changes nothing.
//! - **Mining** (`mining`): one block per transaction when automining (the default), or
//!   pending transactions gathered into one block by [`DevChain::mine`] (driven by a timer in
//!   the server); `evm_increaseTime`/`evm_setNextBlockTimestamp`/`evm_mine` equivalents.
//! - **Fees**: Cancun rules with a *constant* base fee ([`DevChainConfig::base_fee`], 1 gwei by
//!   default; it does not adjust to demand). Senders pay `gas_used × effective gas price`, the
//!   base fee part is burnt and the tip goes to the zero-address coinbase, so balances evolve as
//!   on a real chain. [`DevChain::gas_price`] suggests base fee + 1 gwei.
//! - **Blocks** ([`blocks`]): Cancun headers with a real state root (`state_root`),
//!   transaction and receipt tries, logs bloom; the block hash is the header's RLP hash.
//! - **Persistence** ([`journal`]): [`DevChain::open`] rebuilds the chain by replaying an
//!   append-only, fsynced journal of operations over the deterministic genesis.
//! - **Queries** ([`queries`]): state at the latest block (older states are not kept), blocks,
//!   transactions, receipts, `eth_call`, gas estimation, log filters (a direct scan), fee history.
//!
//! - **JSON-RPC** (`rpc`, feature `server`): the server over a shared chain.
//! - **Workload** ([`workload`]): TEE tasks as signed transactions from the dev accounts (the
//!   `devchain_tasks` benchmark).
//!
//! [`DevChain`] is `Send + Sync`: a server holds it behind a lock.

pub mod accounts;
pub mod blocks;
mod genesis;
pub mod journal;
mod mining;
pub mod queries;
#[cfg(feature = "server")]
pub mod rpc;
mod state_root;
pub mod tx;
pub mod workload;

pub use accounts::{DEFAULT_MNEMONIC, DevAccount, KeyDerivationError, derive_accounts};
pub use blocks::{Block, LogEntry, Receipt, TransactionRecord};
pub use journal::JournalError;
pub use queries::{CallRequest, FeeHistory, LogFilter};
pub use tx::{SignedTx, TxError};

use crate::deploy::{DeployError, Protocol};
use crate::evm::{Evm, EvmError};
use alloy_primitives::{B256, U256};
use blocks::ChainStore;
use journal::{Journal, JournalHeader, Record};
use state_root::StateRoots;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// One gwei, in wei.
pub const GWEI: u64 = 1_000_000_000;

/// The journal's file name in a data directory.
pub const JOURNAL_FILE: &str = "chain.journal";

/// How block timestamps are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Wall-clock time (plus the `evm_increaseTime` offset), strictly increasing: a block
    /// mined in the same second as its parent gets the parent's timestamp + 1. The genesis
    /// gets the creation time.
    Wall,
    /// Deterministic time: the genesis at `genesis`, each block `block_time` seconds after its
    /// parent (plus any `evm_increaseTime` since).
    Fixed {
        /// Timestamp of block 0.
        genesis: u64,
        /// Seconds between blocks.
        block_time: u64,
    },
}

/// The parameters of a dev chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevChainConfig {
    /// The chain id (31337, anvil's, by default).
    pub chain_id: u64,
    /// Gas limit of every block (30 M).
    pub block_gas_limit: u64,
    /// The constant base fee per gas, in wei (1 gwei).
    pub base_fee: u64,
    /// The mnemonic the dev accounts derive from ([`DEFAULT_MNEMONIC`]).
    pub mnemonic: String,
    /// How many dev accounts (10).
    pub accounts: u32,
    /// Ether of each dev account at genesis, in wei (10 000 ether).
    pub balance: U256,
    /// RLC given to each dev account but the first (the deployer keeps the rest of the 87 M),
    /// in nRLC (1 000 000 RLC).
    pub rlc_per_account: U256,
    /// Block timestamps.
    pub clock: Clock,
    /// Mine a block per transaction (`true`) or leave transactions pending until
    /// [`DevChain::mine`].
    pub automine: bool,
    /// `fdatasync` the journal before a mutating call returns (the SIGKILL guarantee; turn off
    /// only for throwaway chains).
    pub sync: bool,
}

impl Default for DevChainConfig {
    fn default() -> Self {
        Self {
            chain_id: 31_337,
            block_gas_limit: 30_000_000,
            base_fee: GWEI,
            mnemonic: DEFAULT_MNEMONIC.to_owned(),
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64)),
            rlc_per_account: U256::from(1_000_000u64 * GWEI),
            clock: Clock::Wall,
            automine: true,
            sync: true,
        }
    }
}

/// What can go wrong with a dev chain.
#[derive(Debug, thiserror::Error)]
pub enum DevChainError {
    /// A transaction was refused (nothing changed).
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The journal cannot be read or written.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The data directory cannot be created.
    #[error("data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A dev key cannot be derived.
    #[error(transparent)]
    Keys(#[from] KeyDerivationError),
    /// The protocol cannot be deployed at genesis.
    #[error("genesis: {0}")]
    Deploy(#[from] DeployError),
    /// Another genesis step failed.
    #[error("genesis: {0}")]
    Genesis(String),
    /// The journal was written by a chain with another genesis (other settings or contracts).
    #[error(
        "the data directory holds chain {stored_chain_id} with genesis {stored}; this \
         configuration and these contracts give genesis {computed} (chain {chain_id})"
    )]
    GenesisMismatch {
        /// The journal's genesis hash.
        stored: B256,
        /// The journal's chain id.
        stored_chain_id: u64,
        /// The genesis hash of the configuration.
        computed: B256,
        /// The configuration's chain id.
        chain_id: u64,
    },
    /// Replaying the journal did not reproduce the recorded chain.
    #[error("replaying the journal, block {block}: {reason}")]
    Replay {
        /// The block being replayed.
        block: u64,
        /// What differed.
        reason: String,
    },
    /// A call or an estimation failed (a revert carries the decoded [`Revert`](crate::Revert)).
    #[error(transparent)]
    Evm(#[from] EvmError),
    /// No such block.
    #[error("unknown block {0}")]
    UnknownBlock(String),
    /// Only the latest state is kept.
    #[error("state of block {block} unavailable (only the latest, {latest}, is kept)")]
    StateUnavailable {
        /// The requested block.
        block: u64,
        /// The latest block.
        latest: u64,
    },
    /// Block timestamps must increase.
    #[error("timestamp {requested} is not after the latest block's ({latest})")]
    TimestampInPast {
        /// The requested timestamp.
        requested: u64,
        /// The latest block's.
        latest: u64,
    },
}

/// The dev chain. See the [module documentation](self).
#[derive(Debug)]
pub struct DevChain {
    config: DevChainConfig,
    evm: Evm,
    accounts: Vec<DevAccount>,
    protocol: Protocol,
    store: ChainStore,
    roots: StateRoots,
    /// Admitted transactions not mined yet, in arrival order.
    pool: Vec<SignedTx>,
    /// Total `evm_increaseTime` (wall clock).
    time_offset: u64,
    /// `evm_increaseTime` since the latest block (fixed clock).
    time_jump: u64,
    /// `evm_setNextBlockTimestamp`.
    next_timestamp: Option<u64>,
    automine: bool,
    journal: Option<Journal>,
}

impl DevChain {
    /// A chain in memory only (nothing persisted).
    pub fn new(config: DevChainConfig) -> Result<Self, DevChainError> {
        let timestamp = genesis_timestamp(&config);
        Self::from_genesis(config, timestamp)
    }

    /// Opens the chain persisted in `dir`, creating `dir` and the genesis if there is none,
    /// otherwise replaying the journal (a torn last record is truncated with a warning). The
    /// configuration must give the genesis the journal was made with.
    pub fn open(dir: impl AsRef<Path>, config: DevChainConfig) -> Result<Self, DevChainError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| DevChainError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(JOURNAL_FILE);
        let sync = config.sync;
        if !path.exists() {
            let mut chain = Self::new(config)?;
            let header = chain.journal_header();
            chain.journal = Some(Journal::create(&path, header, sync)?);
            tracing::info!(journal = %path.display(), genesis = %chain.genesis_hash(), "created dev chain");
            return Ok(chain);
        }
        let (journal, header, records) = Journal::open(&path, sync)?;
        let mut chain = Self::from_genesis(config, header.genesis_timestamp)?;
        let computed = chain.genesis_hash();
        if computed != header.genesis_hash || chain.config.chain_id != header.chain_id {
            return Err(DevChainError::GenesisMismatch {
                stored: header.genesis_hash,
                stored_chain_id: header.chain_id,
                computed,
                chain_id: chain.config.chain_id,
            });
        }
        let started = std::time::Instant::now();
        for record in records.iter() {
            chain.replay(record)?;
        }
        chain.verify_state_root()?;
        chain.journal = Some(journal);
        tracing::info!(
            journal = %path.display(),
            records = records.len(),
            blocks = chain.block_number(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "reopened dev chain"
        );
        Ok(chain)
    }

    fn from_genesis(config: DevChainConfig, timestamp: u64) -> Result<Self, DevChainError> {
        let genesis = genesis::build(&config, timestamp)?;
        let mut chain = Self {
            automine: config.automine,
            config,
            evm: genesis.evm,
            accounts: genesis.accounts,
            protocol: genesis.protocol,
            store: ChainStore::default(),
            roots: StateRoots::default(),
            pool: Vec::new(),
            time_offset: 0,
            time_jump: 0,
            next_timestamp: None,
            journal: None,
        };
        chain.roots = StateRoots::from_db(chain.evm.db());
        chain.seal_genesis(timestamp);
        Ok(chain)
    }

    fn journal_header(&self) -> JournalHeader {
        JournalHeader {
            version: 1,
            chain_id: self.config.chain_id,
            genesis_timestamp: self.genesis().header.timestamp,
            genesis_hash: self.genesis_hash(),
        }
    }

    /// Checks the state root of the replayed state against the latest block's.
    fn verify_state_root(&mut self) -> Result<(), DevChainError> {
        let computed = self.compute_state_root();
        let latest = self.latest_block();
        if computed != latest.header.state_root {
            return Err(DevChainError::Replay {
                block: latest.number(),
                reason: format!(
                    "state root {computed} differs from the recorded {}",
                    latest.header.state_root
                ),
            });
        }
        Ok(())
    }

    /// Appends records to the journal (if persisted).
    fn journal(&mut self, records: &[Record]) -> Result<(), DevChainError> {
        match &mut self.journal {
            Some(journal) => Ok(journal.append(records)?),
            None => Ok(()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DevChainConfig {
        &self.config
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// The dev accounts, account 0 (the protocol owner) first.
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// The deployed protocol (addresses of the router, token, registries...).
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// Whether each transaction is mined at once.
    pub fn automine(&self) -> bool {
        self.automine
    }

    /// Switches automining; transactions already pending stay pending until [`Self::mine`].
    pub fn set_automine(&mut self, automine: bool) {
        self.automine = automine;
    }

    /// The genesis block.
    pub fn genesis(&self) -> &Block {
        match self.store.by_number(0) {
            Some(data) => &data.block,
            None => unreachable!("the genesis is sealed at construction"),
        }
    }

    /// The genesis block's hash.
    pub fn genesis_hash(&self) -> B256 {
        self.genesis().hash
    }

    /// Recomputes the state root of the current state (equal to the latest block's).
    pub fn compute_state_root(&mut self) -> B256 {
        self.roots.compute(self.evm.db())
    }

    /// The state root of the current state computed from scratch, without the incremental
    /// caches of [`Self::compute_state_root`] (slower; to verify it).
    pub fn state_root_from_scratch(&self) -> B256 {
        StateRoots::full(self.evm.db())
    }

    /// Size of the journal in bytes (0 in memory).
    pub fn journal_len(&self) -> u64 {
        self.journal.as_ref().map_or(0, Journal::len)
    }

    /// The underlying EVM (read-only: state changes must go through transactions).
    pub fn evm(&self) -> &Evm {
        &self.evm
    }
}

/// The genesis timestamp of a new chain.
fn genesis_timestamp(config: &DevChainConfig) -> u64 {
    match config.clock {
        Clock::Fixed { genesis, .. } => genesis,
        Clock::Wall => now(),
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
