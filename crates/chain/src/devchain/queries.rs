//! Reading the dev chain: state (latest only), blocks, transactions, receipts, logs, calls,
//! gas estimation and fee history.

use super::blocks::{Block, BlockData, LogEntry, Receipt, TransactionRecord};
use super::{DevChain, DevChainError, GWEI};
use crate::evm::{EvmError, TxOutcome};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use revm::context::TxEnv;

/// The priority fee [`DevChain::max_priority_fee_per_gas`] suggests (1 gwei).
pub const SUGGESTED_PRIORITY_FEE: u128 = GWEI as u128;

/// An `eth_call` / `eth_estimateGas` request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRequest {
    /// The caller (the zero address by default).
    pub from: Option<Address>,
    /// The called account; `None` simulates a creation.
    pub to: Option<Address>,
    /// Gas limit (the block gas limit by default).
    pub gas: Option<u64>,
    /// Legacy gas price, or the EIP-1559 fee cap. Without it, the call executes at gas price 0
    /// with a zero base fee (as geth does), so any account can call.
    pub gas_price: Option<u128>,
    /// EIP-1559 priority fee.
    pub max_priority_fee_per_gas: Option<u128>,
    /// Wei sent.
    pub value: Option<U256>,
    /// Calldata or init code.
    pub input: Bytes,
}

/// An `eth_getLogs` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only this block (then `from_block`/`to_block` are ignored).
    pub block_hash: Option<B256>,
    /// First block (latest by default).
    pub from_block: Option<BlockNumberOrTag>,
    /// Last block (latest by default).
    pub to_block: Option<BlockNumberOrTag>,
    /// Emitters (any if empty).
    pub addresses: Vec<Address>,
    /// Per topic position, the accepted values (any if empty); positions past the end match
    /// anything.
    pub topics: Vec<Vec<B256>>,
}

impl LogFilter {
    /// Whether `entry` passes the address and topic conditions.
    pub fn matches(&self, entry: &LogEntry) -> bool {
        if !self.addresses.is_empty() && !self.addresses.contains(&entry.log.address) {
            return false;
        }
        let topics = entry.log.topics();
        self.topics.iter().enumerate().all(|(i, accepted)| {
            accepted.is_empty() || topics.get(i).is_some_and(|t| accepted.contains(t))
        })
    }
}

/// An `eth_feeHistory` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeHistory {
    /// The first block of the range.
    pub oldest_block: u64,
    /// Base fee of each block of the range and of the next one.
    pub base_fee_per_gas: Vec<u128>,
    /// `gas_used / gas_limit` of each block.
    pub gas_used_ratio: Vec<f64>,
    /// Per block, the priority fee at each requested percentile of gas used.
    pub reward: Vec<Vec<u128>>,
}

impl DevChain {
    /// The latest block's number.
    pub fn block_number(&self) -> u64 {
        self.latest_block().number()
    }

    /// The latest block.
    pub fn latest_block(&self) -> &Block {
        match self.store.latest() {
            Some(data) => &data.block,
            None => unreachable!("the genesis is sealed at construction"),
        }
    }

    /// The number `tag` designates (`pending`, `safe` and `finalized` are the latest block);
    /// an error for a block not mined yet.
    pub fn resolve(&self, tag: BlockNumberOrTag) -> Result<u64, DevChainError> {
        let latest = self.block_number();
        match tag {
            BlockNumberOrTag::Earliest => Ok(0),
            BlockNumberOrTag::Number(n) if n <= latest => Ok(n),
            BlockNumberOrTag::Number(n) => Err(DevChainError::UnknownBlock(n.to_string())),
            _ => Ok(latest),
        }
    }

    fn data(&self, tag: BlockNumberOrTag) -> Option<&BlockData> {
        self.store.by_number(self.resolve(tag).ok()?)
    }

    /// The block `tag` designates.
    pub fn block(&self, tag: BlockNumberOrTag) -> Option<&Block> {
        self.data(tag).map(|d| &d.block)
    }

    /// The block with hash `hash`.
    pub fn block_by_hash(&self, hash: &B256) -> Option<&Block> {
        self.block(BlockNumberOrTag::Number(self.store.number_of(hash)?))
    }

    /// The transactions of block `number`, in order.
    pub fn block_transactions(&self, number: u64) -> Option<&[TransactionRecord]> {
        self.store.by_number(number).map(|d| d.txs.as_slice())
    }

    /// The receipts of block `number`, in order.
    pub fn block_receipts(&self, number: u64) -> Option<&[Receipt]> {
        self.store.by_number(number).map(|d| d.receipts.as_slice())
    }

    /// A mined transaction.
    pub fn transaction(&self, hash: &B256) -> Option<&TransactionRecord> {
        let (data, index) = self.store.tx(hash)?;
        data.txs.get(index)
    }

    /// The receipt of a mined transaction.
    pub fn receipt(&self, hash: &B256) -> Option<&Receipt> {
        let (data, index) = self.store.tx(hash)?;
        data.receipts.get(index)
    }

    /// Fails unless `tag` designates the latest state (the only one kept).
    fn latest_state(&self, tag: BlockNumberOrTag) -> Result<(), DevChainError> {
        let block = self.resolve(tag)?;
        let latest = self.block_number();
        if block == latest {
            Ok(())
        } else {
            Err(DevChainError::StateUnavailable { block, latest })
        }
    }

    /// The balance of `account`.
    pub fn balance(&self, account: Address, tag: BlockNumberOrTag) -> Result<U256, DevChainError> {
        self.latest_state(tag)?;
        Ok(self.evm.balance(account))
    }

    /// The nonce of `account`; with `pending`, transactions in the pool count.
    pub fn nonce(&self, account: Address, tag: BlockNumberOrTag) -> Result<u64, DevChainError> {
        if tag == BlockNumberOrTag::Pending {
            return Ok(self.pending_nonce(account));
        }
        self.latest_state(tag)?;
        Ok(self.evm.nonce(account))
    }

    /// The code at `address`.
    pub fn code(&self, address: Address, tag: BlockNumberOrTag) -> Result<Bytes, DevChainError> {
        self.latest_state(tag)?;
        Ok(self.evm.code(address))
    }

    /// Storage slot `slot` of `address`.
    pub fn storage(
        &self,
        address: Address,
        slot: U256,
        tag: BlockNumberOrTag,
    ) -> Result<U256, DevChainError> {
        self.latest_state(tag)?;
        Ok(self.evm.storage(address, slot))
    }

    /// The environment of a call: the next block's, with a zero base fee for a call without
    /// gas price.
    fn call_env(&self, request: &CallRequest, gas: u64) -> (TxEnv, revm::context::BlockEnv) {
        let from = request.from.unwrap_or(Address::ZERO);
        let mut block = self.evm.block_env().clone();
        block.number = U256::from(self.block_number() + 1);
        block.timestamp = U256::from(self.next_block_timestamp());
        block.basefee = if request.gas_price.is_some() {
            self.config.base_fee
        } else {
            0
        };
        let env = TxEnv {
            tx_type: if request.max_priority_fee_per_gas.is_some() {
                2
            } else {
                0
            },
            caller: from,
            gas_limit: gas,
            gas_price: request.gas_price.unwrap_or(0),
            gas_priority_fee: request.max_priority_fee_per_gas,
            kind: request.to.map_or(TxKind::Create, TxKind::Call),
            value: request.value.unwrap_or_default(),
            data: request.input.clone(),
            nonce: self.evm.nonce(from),
            chain_id: Some(self.config.chain_id),
            ..TxEnv::default()
        };
        (env, block)
    }

    fn simulate(&self, request: &CallRequest, gas: u64) -> Result<TxOutcome, EvmError> {
        let (env, block) = self.call_env(request, gas);
        self.evm
            .simulate_env(env, &block)
            .map_err(|e| EvmError::InvalidTransaction(e.to_string()))
    }

    /// Executes `request` on the state of `tag` (the latest) without committing anything. A
    /// revert is in [`TxOutcome::revert`], decoded.
    pub fn call(
        &self,
        request: &CallRequest,
        tag: BlockNumberOrTag,
    ) -> Result<TxOutcome, DevChainError> {
        self.latest_state(tag)?;
        let gas = request.gas.unwrap_or(self.config.block_gas_limit);
        Ok(self.simulate(request, gas)?)
    }

    /// The smallest gas limit with which `request` succeeds (binary search above the gas it
    /// uses). A request that fails even with the maximum gas is an
    /// [`EvmError::Reverted`] carrying the decoded revert.
    pub fn estimate_gas(
        &self,
        request: &CallRequest,
        tag: BlockNumberOrTag,
    ) -> Result<u64, DevChainError> {
        self.latest_state(tag)?;
        let mut hi = request
            .gas
            .unwrap_or(self.config.block_gas_limit)
            .min(self.config.block_gas_limit);
        let outcome = self.simulate(request, hi)?.ok()?;
        let succeeds = |gas| self.simulate(request, gas).is_ok_and(|o| o.success);
        // Gas used (after refunds) is a lower bound; most calls succeed with 64/63 of it plus
        // a stipend, which narrows the search.
        let mut lo = outcome.gas_used.saturating_sub(1);
        let guess = outcome.gas_used.saturating_mul(64) / 63 + 2_300;
        if guess < hi && succeeds(guess) {
            hi = guess;
        }
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if succeeds(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// The logs matching `filter`, in chain order (a scan of the range's receipts).
    pub fn logs(&self, filter: &LogFilter) -> Result<Vec<LogEntry>, DevChainError> {
        let (from, to) = match filter.block_hash {
            Some(hash) => {
                let number = self
                    .store
                    .number_of(&hash)
                    .ok_or_else(|| DevChainError::UnknownBlock(hash.to_string()))?;
                (number, number)
            }
            None => {
                let latest = BlockNumberOrTag::Latest;
                let to = self.resolve(filter.to_block.unwrap_or(latest))?;
                let from = self.resolve(filter.from_block.unwrap_or(latest))?;
                (from, to)
            }
        };
        let mut logs = Vec::new();
        for number in from..=to {
            let Some(data) = self.store.by_number(number) else {
                break;
            };
            if !filter.addresses.is_empty()
                && !filter.addresses.iter().any(|a| {
                    data.block
                        .header
                        .logs_bloom
                        .contains_input(alloy_primitives::BloomInput::Raw(a.as_slice()))
                })
            {
                continue;
            }
            for receipt in &data.receipts {
                logs.extend(receipt.logs.iter().filter(|l| filter.matches(l)).cloned());
            }
        }
        Ok(logs)
    }

    /// The base fee of the next block (constant).
    pub fn base_fee(&self) -> u64 {
        self.config.base_fee
    }

    /// The suggested legacy gas price: base fee + [`SUGGESTED_PRIORITY_FEE`].
    pub fn gas_price(&self) -> u128 {
        u128::from(self.config.base_fee) + SUGGESTED_PRIORITY_FEE
    }

    /// The suggested priority fee.
    pub fn max_priority_fee_per_gas(&self) -> u128 {
        SUGGESTED_PRIORITY_FEE
    }

    /// Fee history of the `block_count` blocks ending at `newest`, with the priority fees paid
    /// at `percentiles` (0–100, ascending) of each block's gas.
    pub fn fee_history(
        &self,
        block_count: u64,
        newest: BlockNumberOrTag,
        percentiles: &[f64],
    ) -> Result<FeeHistory, DevChainError> {
        let newest = self.resolve(newest)?;
        let count = block_count.min(newest + 1);
        let oldest = newest + 1 - count;
        let mut history = FeeHistory {
            oldest_block: oldest,
            base_fee_per_gas: Vec::new(),
            gas_used_ratio: Vec::new(),
            reward: Vec::new(),
        };
        for number in oldest..=newest {
            let Some(data) = self.store.by_number(number) else {
                break;
            };
            let header = &data.block.header;
            let base_fee = header.base_fee_per_gas.unwrap_or_default();
            history.base_fee_per_gas.push(u128::from(base_fee));
            history
                .gas_used_ratio
                .push(header.gas_used as f64 / header.gas_limit.max(1) as f64);
            if !percentiles.is_empty() {
                history.reward.push(rewards(data, base_fee, percentiles));
            }
        }
        if count > 0 {
            history
                .base_fee_per_gas
                .push(u128::from(self.config.base_fee));
        }
        Ok(history)
    }
}

/// The priority fees at `percentiles` of a block's gas (geth's method: transactions sorted by
/// tip, each weighted by its gas).
fn rewards(data: &BlockData, base_fee: u64, percentiles: &[f64]) -> Vec<u128> {
    let mut tips: Vec<(u128, u64)> = data
        .txs
        .iter()
        .zip(&data.receipts)
        .map(|(tx, receipt)| {
            let tip = tx.effective_gas_price.saturating_sub(u128::from(base_fee));
            (tip, receipt.gas_used)
        })
        .collect();
    if tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    tips.sort_unstable();
    let total: u64 = tips.iter().map(|(_, gas)| gas).sum();
    percentiles
        .iter()
        .map(|p| {
            let threshold = (total as f64 * p / 100.0) as u64;
            let mut sum = 0;
            for (tip, gas) in &tips {
                sum += gas;
                if sum >= threshold {
                    return *tip;
                }
            }
            tips.last().map_or(0, |(tip, _)| *tip)
        })
        .collect()
}
