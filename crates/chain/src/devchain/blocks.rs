//! Blocks, transactions, receipts and logs as the dev chain records them, and the sealing of
//! executed transactions into a block: receipts with cumulative gas, log indices, blooms,
//! transaction and receipt tries, and a Cancun header whose RLP hash is the block hash.

use super::tx::SignedTx;
use crate::evm::{Revert, TxOutcome};
use alloy_consensus::proofs::{calculate_receipt_root, calculate_transaction_root};
use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH, Eip658Value, Header, ReceiptEnvelope, ReceiptWithBloom,
    TxEnvelope, TxType,
};
use alloy_primitives::{Address, B64, B256, Bloom, Bytes, Log, U256};
use std::collections::HashMap;

/// A mined block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The header (Cancun fields; `base_fee_per_gas`, `withdrawals_root`, blob gas and parent
    /// beacon root set).
    pub header: Header,
    /// `keccak256(rlp(header))`.
    pub hash: B256,
    /// The hashes of its transactions, in order.
    pub transactions: Vec<B256>,
}

impl Block {
    /// The block number.
    pub fn number(&self) -> u64 {
        self.header.number
    }
}

/// A mined transaction and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    /// The transaction and its sender.
    pub tx: SignedTx,
    /// The block it is in.
    pub block_number: u64,
    /// That block's hash.
    pub block_hash: B256,
    /// Its index in the block.
    pub index: u64,
    /// The price per gas it paid.
    pub effective_gas_price: u128,
}

/// A log with its position in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Emitter, topics and data.
    pub log: Log,
    /// The block number.
    pub block_number: u64,
    /// The block hash.
    pub block_hash: B256,
    /// The block's timestamp.
    pub block_timestamp: u64,
    /// The emitting transaction.
    pub transaction_hash: B256,
    /// Its index in the block.
    pub transaction_index: u64,
    /// The log's index in the block.
    pub log_index: u64,
}

/// A transaction receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction.
    pub transaction_hash: B256,
    /// Its index in the block.
    pub transaction_index: u64,
    /// The block hash.
    pub block_hash: B256,
    /// The block number.
    pub block_number: u64,
    /// The sender.
    pub from: Address,
    /// The called account (`None` for a creation).
    pub to: Option<Address>,
    /// The created contract.
    pub contract_address: Option<Address>,
    /// Whether execution succeeded (status 1).
    pub status: bool,
    /// Gas used by this transaction.
    pub gas_used: u64,
    /// Gas used in the block up to and including this transaction.
    pub cumulative_gas_used: u64,
    /// The price per gas paid.
    pub effective_gas_price: u128,
    /// The logs (none when execution failed).
    pub logs: Vec<LogEntry>,
    /// The bloom of the logs.
    pub logs_bloom: Bloom,
    /// The transaction type.
    pub tx_type: TxType,
    /// Why execution failed (revert data decoded), for failed transactions.
    pub revert: Option<Revert>,
    /// Return data (revert data on failure).
    pub output: Bytes,
}

/// A block with its transactions and receipts.
#[derive(Debug, Clone)]
pub(crate) struct BlockData {
    pub(crate) block: Block,
    pub(crate) txs: Vec<TransactionRecord>,
    pub(crate) receipts: Vec<Receipt>,
}

/// The environment a block is built in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockEnv {
    pub(crate) number: u64,
    pub(crate) timestamp: u64,
    pub(crate) parent_hash: B256,
    pub(crate) gas_limit: u64,
    pub(crate) base_fee: u64,
}

/// Seals executed transactions into a block whose state root is `state_root`.
pub(crate) fn seal(
    env: BlockEnv,
    executed: Vec<(SignedTx, TxOutcome)>,
    state_root: B256,
) -> BlockData {
    let mut cumulative = 0u64;
    let mut log_index = 0u64;
    let mut bloom = Bloom::default();
    let mut envelopes: Vec<TxEnvelope> = Vec::with_capacity(executed.len());
    let mut receipt_envelopes: Vec<ReceiptEnvelope> = Vec::with_capacity(executed.len());
    let mut txs = Vec::with_capacity(executed.len());
    let mut receipts = Vec::with_capacity(executed.len());
    for (index, (tx, outcome)) in executed.into_iter().enumerate() {
        let index = index as u64;
        cumulative += outcome.gas_used;
        let logs_bloom = Bloom::from_iter(outcome.logs.iter());
        bloom.accrue_bloom(&logs_bloom);
        let consensus = alloy_consensus::Receipt {
            status: Eip658Value::Eip658(outcome.success),
            cumulative_gas_used: cumulative,
            logs: outcome.logs.clone(),
        };
        let with_bloom = ReceiptWithBloom::new(consensus, logs_bloom);
        receipt_envelopes.push(match tx.envelope.tx_type() {
            TxType::Eip2930 => ReceiptEnvelope::Eip2930(with_bloom),
            TxType::Eip1559 => ReceiptEnvelope::Eip1559(with_bloom),
            _ => ReceiptEnvelope::Legacy(with_bloom),
        });
        let effective_gas_price = tx.effective_gas_price(env.base_fee);
        let logs = outcome
            .logs
            .into_iter()
            .map(|log| {
                let entry = LogEntry {
                    log,
                    block_number: env.number,
                    block_hash: B256::ZERO,
                    block_timestamp: env.timestamp,
                    transaction_hash: tx.hash,
                    transaction_index: index,
                    log_index,
                };
                log_index += 1;
                entry
            })
            .collect();
        receipts.push(Receipt {
            transaction_hash: tx.hash,
            transaction_index: index,
            block_hash: B256::ZERO,
            block_number: env.number,
            from: tx.from,
            to: tx.to(),
            contract_address: outcome.created,
            status: outcome.success,
            gas_used: outcome.gas_used,
            cumulative_gas_used: cumulative,
            effective_gas_price,
            logs,
            logs_bloom,
            tx_type: tx.envelope.tx_type(),
            revert: outcome.revert,
            output: outcome.output,
        });
        envelopes.push(tx.envelope.clone());
        txs.push(TransactionRecord {
            tx,
            block_number: env.number,
            block_hash: B256::ZERO,
            index,
            effective_gas_price,
        });
    }
    let header = Header {
        parent_hash: env.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: Address::ZERO,
        state_root,
        transactions_root: calculate_transaction_root(&envelopes),
        receipts_root: calculate_receipt_root(&receipt_envelopes),
        logs_bloom: bloom,
        difficulty: U256::ZERO,
        number: env.number,
        gas_limit: env.gas_limit,
        gas_used: cumulative,
        timestamp: env.timestamp,
        extra_data: Bytes::new(),
        mix_hash: B256::ZERO,
        nonce: B64::ZERO,
        base_fee_per_gas: Some(env.base_fee),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        ..Header::default()
    };
    let hash = header.hash_slow();
    for record in &mut txs {
        record.block_hash = hash;
    }
    for receipt in &mut receipts {
        receipt.block_hash = hash;
        for log in &mut receipt.logs {
            log.block_hash = hash;
        }
    }
    BlockData {
        block: Block {
            header,
            hash,
            transactions: txs.iter().map(|t| t.tx.hash).collect(),
        },
        txs,
        receipts,
    }
}

/// Every block, transaction and receipt, indexed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChainStore {
    blocks: Vec<BlockData>,
    by_hash: HashMap<B256, u64>,
    tx_location: HashMap<B256, (u64, usize)>,
}

impl ChainStore {
    /// Appends the next block.
    pub(crate) fn push(&mut self, data: BlockData) {
        let number = data.block.number();
        self.by_hash.insert(data.block.hash, number);
        for (i, tx) in data.txs.iter().enumerate() {
            self.tx_location.insert(tx.tx.hash, (number, i));
        }
        self.blocks.push(data);
    }

    /// The latest block (the chain always has its genesis).
    pub(crate) fn latest(&self) -> Option<&BlockData> {
        self.blocks.last()
    }

    pub(crate) fn by_number(&self, number: u64) -> Option<&BlockData> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    pub(crate) fn number_of(&self, hash: &B256) -> Option<u64> {
        self.by_hash.get(hash).copied()
    }

    pub(crate) fn tx(&self, hash: &B256) -> Option<(&BlockData, usize)> {
        let (number, index) = self.tx_location.get(hash)?;
        Some((self.by_number(*number)?, *index))
    }

    pub(crate) fn contains_tx(&self, hash: &B256) -> bool {
        self.tx_location.contains_key(hash)
    }
}
