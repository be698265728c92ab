//! An in-process EVM (revm, Cancun rules) holding a whole chain state in memory.
//!
//! [`Evm`] executes transactions one by one, each in its own block (automining): the block
//! number grows by one and the timestamp by [`EvmConfig::block_time`] after every committed
//! transaction, and [`Evm::set_timestamp`] / [`Evm::increase_time`] move the clock of the next
//! block. Gas is metered exactly as on a Cancun chain but costs nothing (base fee and gas price
//! are zero), so accounts need no ether to transact. Read-only calls ([`Evm::call`],
//! [`Evm::view`], [`Evm::simulate`]) take `&self`, execute in the next block's environment and
//! commit nothing.
//!
//! The state is an in-memory `CacheDB` over an empty database; [`Evm::snapshot`] clones it and
//! [`Evm::restore`] puts a clone back. `Evm` is `Send + Sync` (a revm instance is built per
//! transaction), so a server can share it behind a lock.

mod revert;

pub use revert::{ProtocolRevert, Revert};

use alloy_primitives::{Address, Bytes, Log, TxKind, U256};
use alloy_sol_types::{SolCall, SolEvent};
use revm::context::result::{EVMError, ExecutionResult, HaltReason, Output};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::database_interface::{Database, DatabaseCommit, DatabaseRef, WrapDatabaseRef};
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{ExecuteCommitEvm, ExecuteEvm, MainBuilder};
use std::convert::Infallible;
use std::fmt;

/// The state database: every account, code and storage slot in memory.
pub(crate) type Db = CacheDB<EmptyDB>;

/// What a committed transaction changed, for incremental state-root computation.
#[derive(Debug, Default)]
pub(crate) struct StateDiff {
    /// Accounts whose info (nonce, balance, code) may have changed.
    pub(crate) accounts: Vec<Address>,
    /// Accounts whose storage was wiped (created or self-destructed) before `slots` apply.
    pub(crate) cleared: Vec<Address>,
    /// Changed storage slots: account, slot, new value.
    pub(crate) slots: Vec<(Address, U256, U256)>,
}

/// Chain parameters of an [`Evm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmConfig {
    /// `block.chainid`.
    pub chain_id: u64,
    /// Gas limit of every block, and default gas limit of transactions.
    pub block_gas_limit: u64,
    /// Timestamp of block 1, the first block a transaction executes in.
    pub timestamp: u64,
    /// Seconds between consecutive blocks.
    pub block_time: u64,
}

impl Default for EvmConfig {
    /// Chain id 31337 (the usual development chain id), 30 M gas blocks, 1 s blocks from
    /// 2023-11-14 22:13:20 UTC (a fixed instant, so tests are reproducible).
    fn default() -> Self {
        Self {
            chain_id: 31_337,
            block_gas_limit: 30_000_000,
            timestamp: 1_700_000_000,
            block_time: 1,
        }
    }
}

impl EvmConfig {
    /// The default configuration with another chain id.
    pub fn with_chain_id(chain_id: u64) -> Self {
        Self {
            chain_id,
            ..Self::default()
        }
    }
}

/// What can go wrong when executing on the [`Evm`].
#[derive(Debug, thiserror::Error)]
pub enum EvmError {
    /// The transaction is not valid (bad nonce, gas limit above the block's, caller with
    /// code...): nothing was executed.
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),
    /// The execution reverted or halted.
    #[error("{} {revert}", match to { Some(to) => format!("call to {to}"), None => "contract creation".to_owned() })]
    Reverted {
        /// The called contract (`None` for a creation).
        to: Option<Address>,
        /// What went wrong.
        revert: Revert,
        /// Gas used by the failed transaction.
        gas_used: u64,
    },
    /// The return data does not decode as the function's outputs.
    #[error("cannot decode the return data of {function}: {source}")]
    Decode {
        /// The function's signature.
        function: &'static str,
        /// Why.
        source: alloy_sol_types::Error,
    },
    /// Block timestamps cannot go backwards.
    #[error("timestamp {requested} is before the latest block's ({latest})")]
    TimestampInPast {
        /// The requested timestamp of the next block.
        requested: u64,
        /// The timestamp of the latest block.
        latest: u64,
    },
}

/// A transaction to execute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tx {
    /// The sender.
    pub from: Address,
    /// The called account, or `None` to create a contract with `data` as init code.
    pub to: Option<Address>,
    /// Wei sent along.
    pub value: U256,
    /// Calldata, or init code for a creation.
    pub data: Bytes,
    /// Gas limit; the block gas limit when `None`.
    pub gas_limit: Option<u64>,
}

/// The result of an executed transaction (or of a read-only call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    /// The number of the block the transaction executed in.
    pub block_number: u64,
    /// Whether execution succeeded (receipt status 1).
    pub success: bool,
    /// Gas used, as a receipt reports it (intrinsic gas included, refunds deducted).
    pub gas_used: u64,
    /// Return data (the deployed code for a creation); the revert data on revert.
    pub output: Bytes,
    /// Logs emitted (none when the execution failed).
    pub logs: Vec<Log>,
    /// Why the execution failed.
    pub revert: Option<Revert>,
    /// The address of the created contract.
    pub created: Option<Address>,
    /// The called account (`None` for a creation).
    pub to: Option<Address>,
}

impl TxOutcome {
    /// `self`, or [`EvmError::Reverted`] when the execution failed.
    pub fn ok(self) -> Result<Self, EvmError> {
        match self.revert {
            None => Ok(self),
            Some(revert) => Err(EvmError::Reverted {
                to: self.to,
                revert,
                gas_used: self.gas_used,
            }),
        }
    }

    /// Decodes the return data as the outputs of `C` (an error if the execution failed).
    pub fn decode<C: SolCall>(&self) -> Result<C::Return, EvmError> {
        if let Some(revert) = &self.revert {
            return Err(EvmError::Reverted {
                to: self.to,
                revert: revert.clone(),
                gas_used: self.gas_used,
            });
        }
        C::abi_decode_returns(&self.output).map_err(|source| EvmError::Decode {
            function: C::SIGNATURE,
            source,
        })
    }

    /// The logs that decode as event `E`, in emission order, with their emitter. Logs with
    /// `E`'s signature that do not decode (for example an ERC-721 `Transfer`, whose value is
    /// indexed, when `E` is ERC-20's) are skipped.
    pub fn events<E: SolEvent>(&self) -> Vec<Log<E>> {
        self.logs
            .iter()
            .filter(|log| log.topics().first() == Some(&E::SIGNATURE_HASH))
            .filter_map(|log| E::decode_log(log).ok())
            .collect()
    }
}

/// A copy of the whole state and clock of an [`Evm`], to return to with [`Evm::restore`].
#[derive(Debug, Clone)]
pub struct Snapshot {
    db: Db,
    block: BlockEnv,
    latest_timestamp: u64,
}

/// An in-process EVM chain. See the [module documentation](self).
///
/// It holds the state and the next block's environment only; a revm instance is built for
/// each transaction (revm's is not `Send`; this type is, so it can live behind a lock).
pub struct Evm {
    db: Db,
    cfg: CfgEnv,
    /// The environment of the next block.
    block: BlockEnv,
    config: EvmConfig,
    /// Timestamp of the latest executed block (the next one may not be earlier).
    latest_timestamp: u64,
}

impl fmt::Debug for Evm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evm")
            .field("config", &self.config)
            .field("block_number", &self.block_number())
            .field("timestamp", &self.timestamp())
            .field("accounts", &self.db.cache.accounts.len())
            .finish_non_exhaustive()
    }
}

impl Default for Evm {
    fn default() -> Self {
        Self::new(EvmConfig::default())
    }
}

impl Evm {
    /// An empty chain: no account, next block 1 at `config.timestamp`.
    pub fn new(config: EvmConfig) -> Self {
        let cfg = CfgEnv::new_with_spec(SpecId::CANCUN).with_chain_id(config.chain_id);
        let block = BlockEnv {
            number: U256::from(1),
            timestamp: U256::from(config.timestamp),
            gas_limit: config.block_gas_limit,
            ..BlockEnv::default()
        };
        Self {
            db: CacheDB::new(EmptyDB::new()),
            cfg,
            block,
            latest_timestamp: config.timestamp.saturating_sub(config.block_time),
            config,
        }
    }

    /// The chain parameters.
    pub fn config(&self) -> &EvmConfig {
        &self.config
    }

    /// `block.chainid`.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// The number of the block the next transaction executes in.
    pub fn block_number(&self) -> u64 {
        self.block.number.saturating_to()
    }

    /// The timestamp of the block the next transaction executes in.
    pub fn timestamp(&self) -> u64 {
        self.block.timestamp.saturating_to()
    }

    /// Sets the timestamp of the next block; it may not be before the latest block's.
    pub fn set_timestamp(&mut self, timestamp: u64) -> Result<(), EvmError> {
        if timestamp < self.latest_timestamp {
            return Err(EvmError::TimestampInPast {
                requested: timestamp,
                latest: self.latest_timestamp,
            });
        }
        self.block.timestamp = U256::from(timestamp);
        Ok(())
    }

    /// Moves the clock of the next block `seconds` forward.
    pub fn increase_time(&mut self, seconds: u64) {
        let next = self.timestamp().saturating_add(seconds);
        self.block.timestamp = U256::from(next);
    }

    fn account(&self, address: Address) -> Option<AccountInfo> {
        infallible(self.db.basic_ref(address))
    }

    /// The balance of `account`, in wei.
    pub fn balance(&self, account: Address) -> U256 {
        self.account(account)
            .map_or(U256::ZERO, |info| info.balance)
    }

    /// The nonce of `account`.
    pub fn nonce(&self, account: Address) -> u64 {
        self.account(account).map_or(0, |info| info.nonce)
    }

    /// The runtime code at `address` (empty for an account without code).
    pub fn code(&self, address: Address) -> Bytes {
        let Some(info) = self.account(address) else {
            return Bytes::new();
        };
        let code = match info.code {
            Some(code) => code,
            None => infallible(self.db.code_by_hash_ref(info.code_hash)),
        };
        code.original_bytes()
    }

    /// The value of storage slot `slot` of `address`.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        infallible(self.db.storage_ref(address, slot))
    }

    /// Sets the balance of `account` to `wei`.
    pub fn set_balance(&mut self, account: Address, wei: U256) {
        let mut info = self.account(account).unwrap_or_default();
        info.balance = wei;
        self.db.insert_account_info(account, info);
    }

    /// Credits `account` with `wei`.
    pub fn fund(&mut self, account: Address, wei: U256) {
        let balance = self.balance(account).saturating_add(wei);
        self.set_balance(account, balance);
    }

    /// Executes and commits `tx` in the next block, then starts a new block.
    ///
    /// A revert is not an error here: it is in [`TxOutcome::revert`] (and the nonce is spent,
    /// as on a chain). Use [`TxOutcome::ok`] to turn it into one.
    pub fn execute(&mut self, tx: Tx) -> Result<TxOutcome, EvmError> {
        let env = self.tx_env(&tx);
        let block_number = self.block_number();
        let result = revm(&mut self.db, &self.cfg, &self.block)
            .transact_commit(env)
            .map_err(|e| EvmError::InvalidTransaction(e.to_string()))?;
        self.latest_timestamp = self.timestamp();
        self.block.number += U256::from(1);
        self.block.timestamp += U256::from(self.config.block_time);
        Ok(outcome(result, block_number, tx.to))
    }

    /// Executes `tx` in the next block's environment without committing anything.
    pub fn simulate(&self, tx: Tx) -> Result<TxOutcome, EvmError> {
        let env = self.tx_env(&tx);
        let block_number = self.block_number();
        let result = revm(WrapDatabaseRef(&self.db), &self.cfg, &self.block)
            .transact(env)
            .map_err(|e| EvmError::InvalidTransaction(e.to_string()))?;
        Ok(outcome(result.result, block_number, tx.to))
    }

    fn tx_env(&self, tx: &Tx) -> TxEnv {
        TxEnv {
            caller: tx.from,
            gas_limit: tx.gas_limit.unwrap_or(self.config.block_gas_limit),
            gas_price: 0,
            kind: tx.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.value,
            data: tx.data.clone(),
            nonce: self.nonce(tx.from),
            chain_id: Some(self.config.chain_id),
            ..TxEnv::default()
        }
    }

    /// Sends `calldata` from `from` to `to` (committed, one block).
    pub fn transact(
        &mut self,
        from: Address,
        to: Address,
        calldata: impl Into<Bytes>,
    ) -> Result<TxOutcome, EvmError> {
        self.execute(Tx {
            from,
            to: Some(to),
            data: calldata.into(),
            ..Tx::default()
        })
    }

    /// Creates a contract from `init_code` (creation code followed by ABI-encoded constructor
    /// arguments); the address is in [`TxOutcome::created`] on success.
    pub fn create(
        &mut self,
        from: Address,
        init_code: impl Into<Bytes>,
    ) -> Result<TxOutcome, EvmError> {
        self.execute(Tx {
            from,
            to: None,
            data: init_code.into(),
            ..Tx::default()
        })
    }

    /// Deploys a contract from `init_code` and returns its address; a failed creation is an
    /// error.
    pub fn deploy(
        &mut self,
        from: Address,
        init_code: impl Into<Bytes>,
    ) -> Result<Address, EvmError> {
        let outcome = self.create(from, init_code)?.ok()?;
        outcome.created.ok_or(EvmError::Reverted {
            to: None,
            revert: Revert::Halt("no contract created".to_owned()),
            gas_used: outcome.gas_used,
        })
    }

    /// Executes `calldata` from `from` to `to` read-only (nothing is committed).
    pub fn call(
        &self,
        from: Address,
        to: Address,
        calldata: impl Into<Bytes>,
    ) -> Result<TxOutcome, EvmError> {
        self.simulate(Tx {
            from,
            to: Some(to),
            data: calldata.into(),
            ..Tx::default()
        })
    }

    /// Calls function `C` of `to` read-only (from the zero address) and decodes its outputs; a
    /// revert is an error.
    pub fn view<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return, EvmError> {
        self.call(Address::ZERO, to, call.abi_encode())?
            .decode::<C>()
    }

    /// The state database (for the dev chain's state root and queries).
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// The environment of the next block.
    pub(crate) fn block_env(&self) -> &BlockEnv {
        &self.block
    }

    /// Sets the environment of the next block (the dev chain builds its own blocks).
    pub(crate) fn set_block_env(&mut self, block: BlockEnv) {
        self.block = block;
    }

    /// Records the hash of block `number` for the `BLOCKHASH` opcode.
    pub(crate) fn set_block_hash(&mut self, number: u64, hash: alloy_primitives::B256) {
        self.db.cache.block_hashes.insert(U256::from(number), hash);
    }

    /// Executes `env` in the current block environment and commits it, without starting a
    /// new block. A rejected transaction changes nothing.
    pub(crate) fn commit_env(
        &mut self,
        env: TxEnv,
    ) -> Result<(TxOutcome, StateDiff), EVMError<Infallible>> {
        let to = match env.kind {
            TxKind::Call(to) => Some(to),
            TxKind::Create => None,
        };
        let block_number = self.block_number();
        let result = revm(&mut self.db, &self.cfg, &self.block).transact(env)?;
        let mut diff = StateDiff::default();
        for (address, account) in &result.state {
            if !account.is_touched() {
                continue;
            }
            diff.accounts.push(*address);
            if account.is_selfdestructed() || account.is_created() {
                diff.cleared.push(*address);
            }
            for (slot, value) in &account.storage {
                if account.is_created() || value.is_changed() {
                    diff.slots.push((*address, *slot, value.present_value()));
                }
            }
        }
        self.db.commit(result.state);
        Ok((outcome(result.result, block_number, to), diff))
    }

    /// Executes `env` read-only in environment `block`.
    pub(crate) fn simulate_env(
        &self,
        env: TxEnv,
        block: &BlockEnv,
    ) -> Result<TxOutcome, EVMError<Infallible>> {
        let to = match env.kind {
            TxKind::Call(to) => Some(to),
            TxKind::Create => None,
        };
        let block_number = block.number.saturating_to();
        let result = revm(WrapDatabaseRef(&self.db), &self.cfg, block).transact(env)?;
        Ok(outcome(result.result, block_number, to))
    }

    /// A copy of the state and clock.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            db: self.db.clone(),
            block: self.block.clone(),
            latest_timestamp: self.latest_timestamp,
        }
    }

    /// Returns to the state and clock of `snapshot` (which stays usable).
    pub fn restore(&mut self, snapshot: &Snapshot) {
        self.db = snapshot.db.clone();
        self.block = snapshot.block.clone();
        self.latest_timestamp = snapshot.latest_timestamp;
    }
}

/// A revm instance over `db` in environment `cfg`/`block` (built per transaction: revm's
/// instance is not `Send`).
fn revm<D: Database>(db: D, cfg: &CfgEnv, block: &BlockEnv) -> MainnetEvm<MainnetContext<D>> {
    MainnetContext::new(db, SpecId::CANCUN)
        .with_cfg(cfg.clone())
        .with_block(block.clone())
        .build_mainnet()
}

fn outcome(
    result: ExecutionResult<HaltReason>,
    block_number: u64,
    to: Option<Address>,
) -> TxOutcome {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { logs, output, .. } => {
            let (output, created) = match output {
                Output::Call(data) => (data, None),
                Output::Create(code, address) => (code, address),
            };
            TxOutcome {
                block_number,
                success: true,
                gas_used,
                output,
                logs,
                revert: None,
                created,
                to,
            }
        }
        ExecutionResult::Revert { output, .. } => TxOutcome {
            block_number,
            success: false,
            gas_used,
            revert: Some(Revert::from_revert_data(&output)),
            output,
            logs: Vec::new(),
            created: None,
            to,
        },
        ExecutionResult::Halt { reason, .. } => TxOutcome {
            block_number,
            success: false,
            gas_used,
            output: Bytes::new(),
            logs: Vec::new(),
            revert: Some(Revert::Halt(format!("{reason:?}"))),
            created: None,
            to,
        },
    }
}

/// The in-memory database cannot fail.
fn infallible<T>(result: Result<T, Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}
