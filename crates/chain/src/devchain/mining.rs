//! Admitting transactions, building and sealing blocks, the clock, and the replay of journal
//! records (which goes through the same block building, minus the admission checks).

use super::blocks::{self, BlockEnv};
use super::journal::{BlockRecord, Record};
use super::tx::{self, Admission, SignedTx, TxError};
use super::{Clock, DevChain, DevChainError, now};
use crate::evm::TxOutcome;
use alloy_consensus::Transaction;
use alloy_primitives::{Address, B256};

/// A block built from pool transactions, before it is journaled.
struct Built {
    hash: B256,
    record: BlockRecord,
}

impl DevChain {
    /// Submits a raw signed transaction (EIP-2718 bytes) and returns its hash.
    ///
    /// When automining, the transaction is mined in its own block before this returns; else it
    /// waits in the pool for [`Self::mine`]. Either way it is journaled (and synced) before
    /// this returns. A refused transaction ([`TxError`]) changes nothing. If the journal
    /// write fails ([`DevChainError::Journal`]), the block stays mined in memory but is not
    /// persisted; a write that cannot be undone makes the journal refuse further appends.
    pub fn send_raw_transaction(&mut self, raw: &[u8]) -> Result<B256, DevChainError> {
        let tx = SignedTx::decode(raw)?;
        if self.store.contains_tx(&tx.hash) || self.pool.iter().any(|p| p.hash == tx.hash) {
            return Err(TxError::AlreadyKnown(tx.hash).into());
        }
        let admission = Admission {
            chain_id: self.config.chain_id,
            block_gas_limit: self.config.block_gas_limit,
            base_fee: self.config.base_fee,
            next_nonce: self.pending_nonce(tx.from),
            balance: self.evm.balance(tx.from),
        };
        tx::admit(&tx, &admission)?;
        let hash = tx.hash;
        if !self.automine {
            let raw = tx.raw();
            self.journal(&[Record::Submit(raw)])?;
            self.pool.push(tx);
            return Ok(hash);
        }
        // Automining: transactions left pending by interval mining go in a block of their own
        // first, then this one alone (so that a refusal at execution leaves no block).
        if !self.pool.is_empty() {
            self.mine()?;
        }
        self.pool.push(tx);
        let built = self.build_block(true)?;
        self.journal(&[Record::Block(built.record)])?;
        Ok(hash)
    }

    /// Mines one block with the pending transactions (as many as fit, in arrival order; an
    /// empty block if none) and returns its hash.
    pub fn mine(&mut self) -> Result<B256, DevChainError> {
        let built = self.build_block(false)?;
        let hash = built.hash;
        self.journal(&[Record::Block(built.record)])?;
        Ok(hash)
    }

    /// Moves the clock `seconds` forward (`evm_increaseTime`); returns the total offset.
    pub fn increase_time(&mut self, seconds: u64) -> Result<u64, DevChainError> {
        self.journal(&[Record::IncreaseTime(seconds)])?;
        self.apply_increase_time(seconds);
        Ok(self.time_offset)
    }

    /// Sets the next block's timestamp (`evm_setNextBlockTimestamp`); it must be after the
    /// latest block's.
    pub fn set_next_block_timestamp(&mut self, timestamp: u64) -> Result<(), DevChainError> {
        let latest = self.latest_block().header.timestamp;
        if timestamp <= latest {
            return Err(DevChainError::TimestampInPast {
                requested: timestamp,
                latest,
            });
        }
        self.journal(&[Record::SetNextTimestamp(timestamp)])?;
        self.next_timestamp = Some(timestamp);
        Ok(())
    }

    /// The transactions waiting for the next block.
    pub fn pending_transactions(&self) -> &[SignedTx] {
        &self.pool
    }

    /// The next nonce of `account`, pending transactions included.
    pub fn pending_nonce(&self, account: Address) -> u64 {
        let pending = self.pool.iter().filter(|tx| tx.from == account).count() as u64;
        self.evm.nonce(account) + pending
    }

    fn apply_increase_time(&mut self, seconds: u64) {
        self.time_offset = self.time_offset.saturating_add(seconds);
        self.time_jump = self.time_jump.saturating_add(seconds);
    }

    /// The timestamp the next block gets if mined now.
    pub fn next_block_timestamp(&self) -> u64 {
        let parent = self.latest_block().header.timestamp;
        if let Some(timestamp) = self.next_timestamp {
            return timestamp;
        }
        match self.config.clock {
            Clock::Wall => now().saturating_add(self.time_offset).max(parent + 1),
            Clock::Fixed { block_time, .. } => parent + block_time + self.time_jump,
        }
    }

    fn next_env(&self, timestamp: u64) -> BlockEnv {
        let parent = self.latest_block();
        BlockEnv {
            number: parent.number() + 1,
            timestamp,
            parent_hash: parent.hash,
            gas_limit: self.config.block_gas_limit,
            base_fee: self.config.base_fee,
        }
    }

    /// Points the EVM at block `env`.
    fn enter_block(&mut self, env: &BlockEnv) {
        let mut block = self.evm.block_env().clone();
        block.number = alloy_primitives::U256::from(env.number);
        block.timestamp = alloy_primitives::U256::from(env.timestamp);
        block.gas_limit = env.gas_limit;
        block.basefee = env.base_fee;
        block.beneficiary = Address::ZERO;
        self.evm.set_block_env(block);
    }

    /// Executes pool transactions into a new block and seals it (not journaled yet). With
    /// `alone`, the pool holds one transaction and its refusal by the EVM is an error (no
    /// block is sealed) rather than a drop.
    fn build_block(&mut self, alone: bool) -> Result<Built, DevChainError> {
        let env = self.next_env(self.next_block_timestamp());
        self.enter_block(&env);
        let mut executed: Vec<(SignedTx, TxOutcome)> = Vec::new();
        let mut dropped = Vec::new();
        let mut left = Vec::new();
        let mut gas_left = env.gas_limit;
        for tx in std::mem::take(&mut self.pool) {
            if !left.is_empty() || tx.envelope.gas_limit() > gas_left {
                // Does not fit: it and everything after it wait for the next block.
                left.push(tx);
                continue;
            }
            match self.evm.commit_env(tx.tx_env()) {
                Ok((outcome, diff)) => {
                    self.roots.apply(&diff);
                    gas_left -= outcome.gas_used;
                    executed.push((tx, outcome));
                }
                Err(error) if alone => return Err(TxError::Rejected(error.to_string()).into()),
                Err(error) => {
                    tracing::warn!(tx = %tx.hash, %error, "dropping a pending transaction the EVM refuses");
                    dropped.push(tx.hash);
                }
            }
        }
        self.pool = left;
        let state_root = self.roots.compute(self.evm.db());
        let txs = executed.iter().map(|(tx, _)| tx.raw()).collect();
        let hash = self.seal(env, executed, state_root);
        Ok(Built {
            hash,
            record: BlockRecord {
                timestamp: env.timestamp,
                txs,
                dropped,
                state_root,
                hash,
            },
        })
    }

    /// Seals executed transactions into the next block and appends it.
    fn seal(&mut self, env: BlockEnv, executed: Vec<(SignedTx, TxOutcome)>, root: B256) -> B256 {
        let data = blocks::seal(env, executed, root);
        let hash = data.block.hash;
        self.evm.set_block_hash(env.number, hash);
        self.store.push(data);
        self.time_jump = 0;
        self.next_timestamp = None;
        hash
    }

    /// Seals block 0 over the genesis state.
    pub(super) fn seal_genesis(&mut self, timestamp: u64) {
        let env = BlockEnv {
            number: 0,
            timestamp,
            parent_hash: B256::ZERO,
            gas_limit: self.config.block_gas_limit,
            base_fee: self.config.base_fee,
        };
        let root = self.roots.compute(self.evm.db());
        self.seal(env, Vec::new(), root);
    }

    /// Re-applies one journal record.
    pub(super) fn replay(&mut self, record: &Record) -> Result<(), DevChainError> {
        let block = self.block_number() + 1;
        let fail = |reason: String| DevChainError::Replay { block, reason };
        match record {
            Record::Header(_) => return Err(fail("a second journal header".to_owned())),
            Record::Submit(raw) => {
                let tx = SignedTx::decode(raw).map_err(|e| fail(format!("pending tx: {e}")))?;
                self.pool.push(tx);
            }
            Record::IncreaseTime(seconds) => self.apply_increase_time(*seconds),
            Record::SetNextTimestamp(timestamp) => self.next_timestamp = Some(*timestamp),
            Record::Block(record) => {
                let env = self.next_env(record.timestamp);
                self.enter_block(&env);
                let mut executed = Vec::with_capacity(record.txs.len());
                for raw in &record.txs {
                    let tx = SignedTx::decode(raw).map_err(|e| fail(format!("tx: {e}")))?;
                    let (outcome, diff) = self
                        .evm
                        .commit_env(tx.tx_env())
                        .map_err(|e| fail(format!("tx {} refused: {e}", tx.hash)))?;
                    self.roots.apply(&diff);
                    self.pool.retain(|p| p.hash != tx.hash);
                    executed.push((tx, outcome));
                }
                self.pool.retain(|p| !record.dropped.contains(&p.hash));
                let hash = self.seal(env, executed, record.state_root);
                if hash != record.hash {
                    return Err(fail(format!(
                        "block hash {hash} differs from the recorded {} (other contracts or EVM?)",
                        record.hash
                    )));
                }
            }
        }
        Ok(())
    }
}
