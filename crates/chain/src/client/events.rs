//! Event streams with confirmations.
//!
//! An [`EventWatcher`] scans `eth_getLogs` over block ranges and delivers a log only when its
//! block has N confirmations (N − 1 blocks on top). It keeps its position itself, so a node
//! that goes away and comes back (a restart, a dropped connection) only delays delivery:
//! transient failures are retried, and a failed poll can simply be polled again, nothing is
//! skipped or repeated. It remembers the hash of the last block of each range it delivered; when
//! the chain no longer has that block (a reorg deeper than the confirmations), it reports a
//! [`WatchUpdate::Reorg`] and delivers the replacement logs from where the chains part.

use super::{Client, ClientError};
use alloy_primitives::{Address, B256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, Log};
use alloy_sol_types::SolEvent;
use std::collections::VecDeque;

/// How many delivered ranges are remembered to find where a reorg starts.
const REORG_MEMORY: usize = 256;

/// A log with N confirmations.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmedLog {
    /// The log, with its block, transaction and index.
    pub log: Log,
}

impl ConfirmedLog {
    /// Decodes the log as event `E` (`None` if it is another event).
    pub fn decode<E: SolEvent>(&self) -> Option<E> {
        E::decode_log(&self.log.inner).ok().map(|l| l.data)
    }

    /// The log's block.
    pub fn block_number(&self) -> u64 {
        self.log.block_number.unwrap_or_default()
    }
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchUpdate {
    /// New confirmed logs, in chain order.
    Logs(Vec<ConfirmedLog>),
    /// The chain changed under delivered logs: every log delivered from `from_block` on is
    /// retracted; the logs of the new chain follow in the next updates.
    Reorg {
        /// The first block whose logs are retracted.
        from_block: u64,
    },
}

/// A block range whose logs were delivered, and the hash of its last block (how a reorg is
/// noticed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeliveredRange {
    pub from: u64,
    pub to: u64,
    pub hash_of_to: B256,
}

/// Where a watcher is: what a service stores with the effects of the logs it applied (in one
/// transaction), to resume after a restart with no gap, no duplicate, and reorgs still noticed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WatchCheckpoint {
    /// The first block not delivered yet.
    pub next_block: u64,
    /// The newest delivered ranges, oldest first.
    pub delivered: Vec<DeliveredRange>,
}

impl WatchCheckpoint {
    /// A watcher that has delivered nothing and starts at `block`.
    pub fn starting_at(block: u64) -> Self {
        Self {
            next_block: block,
            delivered: Vec::new(),
        }
    }
}

/// Delivers the logs matching a filter once confirmed. See the [module documentation](self).
#[derive(Debug)]
pub struct EventWatcher<'c, P> {
    client: &'c Client<P>,
    filter: Filter,
    confirmations: u64,
    next_block: u64,
    max_range: u64,
    delivered: VecDeque<DeliveredRange>,
}

impl<P: Provider> Client<P> {
    /// Watches the logs of `filter` (its block range is ignored) from `from_block`, delivered
    /// with `confirmations` confirmations (at least 1: mined).
    pub fn watch(
        &self,
        filter: Filter,
        from_block: u64,
        confirmations: u64,
    ) -> EventWatcher<'_, P> {
        self.resume_watch(
            filter,
            WatchCheckpoint::starting_at(from_block),
            confirmations,
        )
    }

    /// Watches the logs of `filter` from where a watcher's [`EventWatcher::checkpoint`] was
    /// taken: the next logs are those after it, and a reorg of the blocks it had delivered is
    /// reported as if the watcher had never stopped.
    pub fn resume_watch(
        &self,
        filter: Filter,
        checkpoint: WatchCheckpoint,
        confirmations: u64,
    ) -> EventWatcher<'_, P> {
        let skip = checkpoint.delivered.len().saturating_sub(REORG_MEMORY);
        EventWatcher {
            client: self,
            filter,
            confirmations: confirmations.max(1),
            next_block: checkpoint.next_block,
            max_range: 2_000,
            delivered: checkpoint.delivered.into_iter().skip(skip).collect(),
        }
    }

    /// Watches the protocol's events `E` from `from_block`.
    pub fn watch_protocol<E: SolEvent>(
        &self,
        from_block: u64,
        confirmations: u64,
    ) -> EventWatcher<'_, P> {
        let filter = Filter::new()
            .address(self.deployment.protocol)
            .event_signature(E::SIGNATURE_HASH);
        self.watch(filter, from_block, confirmations)
    }
}

impl<P: Provider> EventWatcher<'_, P> {
    /// Scans at most this many blocks per `eth_getLogs` (nodes cap ranges; 2 000 by default).
    pub fn with_max_range(mut self, blocks: u64) -> Self {
        self.max_range = blocks.max(1);
        self
    }

    /// The first block not delivered yet.
    pub fn next_block(&self) -> u64 {
        self.next_block
    }

    /// Where this watcher is, to resume it later ([`Client::resume_watch`]).
    pub fn checkpoint(&self) -> WatchCheckpoint {
        WatchCheckpoint {
            next_block: self.next_block,
            delivered: self.delivered.iter().copied().collect(),
        }
    }

    /// The contracts watched (empty: any).
    pub fn addresses(&self) -> Vec<Address> {
        self.filter.address.iter().copied().collect()
    }

    /// Waits for the next update (polling every `poll_interval`).
    pub async fn next(&mut self) -> Result<WatchUpdate, ClientError> {
        loop {
            if let Some(update) = self.poll().await? {
                return Ok(update);
            }
            tokio::time::sleep(self.client.config.poll_interval).await;
        }
    }

    /// One look at the chain: a reorg, confirmed logs (possibly none, when blocks without
    /// matching logs were confirmed), or `None` when no new block is confirmed.
    pub async fn poll(&mut self) -> Result<Option<WatchUpdate>, ClientError> {
        if let Some(from_block) = self.find_reorg().await? {
            return Ok(Some(WatchUpdate::Reorg { from_block }));
        }
        let head = self.client.block_number().await?;
        let Some(confirmed) = (head + 1).checked_sub(self.confirmations) else {
            return Ok(None);
        };
        if self.next_block > confirmed {
            return Ok(None);
        }
        let to = confirmed.min(self.next_block.saturating_add(self.max_range - 1));
        let filter = self.filter.clone().from_block(self.next_block).to_block(to);
        let retry = self.client.config.retry;
        let provider = self.client.provider();
        let logs = retry
            .request("eth_getLogs", || async { provider.get_logs(&filter).await })
            .await?;
        let hash_of_to = self.block_hash(to).await?;
        // Logs of the last block must come from the block whose hash is remembered.
        if let Some(stale) = logs
            .iter()
            .find(|l| l.block_number == Some(to) && l.block_hash.is_some_and(|h| h != hash_of_to))
        {
            tracing::debug!(block = to, log_block = ?stale.block_hash, "chain moved while scanning, rescanning");
            return Ok(None);
        }
        self.delivered.push_back(DeliveredRange {
            from: self.next_block,
            to,
            hash_of_to,
        });
        if self.delivered.len() > REORG_MEMORY {
            self.delivered.pop_front();
        }
        self.next_block = to + 1;
        Ok(Some(WatchUpdate::Logs(
            logs.into_iter().map(|log| ConfirmedLog { log }).collect(),
        )))
    }

    /// The first block to rescan when the chain no longer holds the delivered blocks.
    async fn find_reorg(&mut self) -> Result<Option<u64>, ClientError> {
        let Some(last) = self.delivered.back().copied() else {
            return Ok(None);
        };
        if self.block_hash_if_any(last.to).await? == Some(last.hash_of_to) {
            return Ok(None);
        }
        // Walk back to the newest delivered range still on the chain.
        let mut from_block = last.from;
        self.delivered.pop_back();
        while let Some(range) = self.delivered.back().copied() {
            if self.block_hash_if_any(range.to).await? == Some(range.hash_of_to) {
                break;
            }
            from_block = range.from;
            self.delivered.pop_back();
        }
        tracing::warn!(
            from_block,
            "reorg below the confirmation depth: logs retracted"
        );
        self.next_block = from_block;
        Ok(Some(from_block))
    }

    async fn block_hash_if_any(&self, number: u64) -> Result<Option<B256>, ClientError> {
        let retry = self.client.config.retry;
        let provider = self.client.provider();
        let block = retry
            .request("eth_getBlockByNumber", || async {
                provider
                    .get_block_by_number(BlockNumberOrTag::Number(number))
                    .await
            })
            .await?;
        Ok(block.map(|b| b.header.hash))
    }

    async fn block_hash(&self, number: u64) -> Result<B256, ClientError> {
        self.block_hash_if_any(number)
            .await?
            .ok_or_else(|| ClientError::Decode {
                what: format!("block {number}"),
                reason: "the node does not have it".to_owned(),
            })
    }
}
