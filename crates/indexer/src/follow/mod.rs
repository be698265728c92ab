//! The follower: one event watcher (with confirmations) over the protocol, the three
//! registries and DataProtector; each confirmed range of logs becomes [`Change`](crate::store::Change)s, applied with
//! the watcher's checkpoint in one transaction, so a restart resumes with no gap and no
//! duplicate; a reorg retracts the rows of the dropped blocks, with the checkpoint too.
//!
//! What a log does not say is read from the protocol's views before the transaction opens:
//! an asset's metadata at its mint (immutable), a deal's record at `OrdersMatched`, a task's
//! deal and index at `TaskInitialize`, and a block's timestamp when the node leaves it out of
//! the log.

mod changes;
mod decode;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_provider::Provider;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::{IConfide, IDataProtector};
use confide_chain::client::{Client, EventWatcher, WatchCheckpoint, WatchUpdate};

use crate::error::IndexerError;
use crate::store::Store;

/// How the follower follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowConfig {
    /// The first block indexed, at the first run (default: the deployment's block, else 0).
    /// A database that already has a checkpoint resumes from it.
    pub start_block: Option<u64>,
    /// Blocks a log needs on top of it (itself included) before it is indexed.
    pub confirmations: u64,
    /// Blocks scanned per `eth_getLogs`.
    pub max_range: u64,
    /// The wait after a failure before trying again.
    pub retry_delay: Duration,
    /// Views read from the chain at once.
    pub concurrency: usize,
}

impl Default for FollowConfig {
    fn default() -> Self {
        Self {
            start_block: None,
            confirmations: 1,
            max_range: 2_000,
            retry_delay: Duration::from_secs(2),
            concurrency: 8,
        }
    }
}

/// What the follower has seen, for `/status` (shared with the API).
#[derive(Debug, Default)]
pub struct Progress {
    /// Chain head + 1 (0: not seen yet).
    head_seen: AtomicU64,
    logs_indexed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Progress {
    /// The chain's head when the follower last looked.
    pub fn head_seen(&self) -> Option<u64> {
        self.head_seen.load(Ordering::Relaxed).checked_sub(1)
    }

    /// Logs indexed by this process.
    pub fn logs_indexed(&self) -> u64 {
        self.logs_indexed.load(Ordering::Relaxed)
    }

    /// The last failure, until a step succeeds.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    fn set_error(&self, error: Option<String>) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = error;
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// No new confirmed block.
    Idle,
    /// A range of blocks was indexed.
    Indexed {
        /// Logs in it.
        logs: usize,
        /// The next block to index.
        next_block: u64,
    },
    /// A reorg: the rows of blocks `from_block` and later were deleted.
    Retracted { from_block: u64, rows: u64 },
}

/// Follows one deployment into one store. See the [module documentation](self).
#[derive(Debug)]
pub struct Follower<P> {
    client: Arc<Client<P>>,
    store: Store,
    config: FollowConfig,
    progress: Arc<Progress>,
}

/// Logs indexed after which the planner's statistics are refreshed, once caught up.
const ANALYZE_AFTER_LOGS: u64 = 5_000;

/// A follower's running watcher ([`Follower::start`]).
#[derive(Debug)]
pub struct Following<'f, P> {
    follower: &'f Follower<P>,
    watcher: EventWatcher<'f, P>,
    /// Logs indexed since the statistics were last refreshed.
    unanalyzed_logs: u64,
    /// A step failed: the watcher may be ahead of the store and is put back first.
    stale: bool,
}

impl<P: Provider> Follower<P> {
    /// A follower of `client`'s deployment into `store`.
    pub fn new(client: Arc<Client<P>>, store: Store, config: FollowConfig) -> Self {
        Self {
            client,
            store,
            config,
            progress: Arc::new(Progress::default()),
        }
    }

    /// What it has seen (shared: the API reads it).
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// The store it writes.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The client it reads.
    pub fn client(&self) -> &Client<P> {
        &self.client
    }

    /// The settings.
    pub fn config(&self) -> &FollowConfig {
        &self.config
    }

    /// The first block of a fresh database.
    pub fn start_block(&self) -> u64 {
        self.config
            .start_block
            .or(self.client.deployment().block)
            .unwrap_or(0)
    }

    /// One filter: every address of the deployment, the events indexed.
    pub fn filter(&self) -> Filter {
        let deployment = self.client.deployment();
        let mut addresses = vec![
            deployment.protocol,
            deployment.app_registry,
            deployment.dataset_registry,
            deployment.workerpool_registry,
        ];
        addresses.extend(deployment.data_protector);
        let topics = vec![
            // The registries' ERC-721 and the escrow's ERC-20 `Transfer` share their topic.
            IConfide::Transfer::SIGNATURE_HASH,
            IConfide::Lock::SIGNATURE_HASH,
            IConfide::Unlock::SIGNATURE_HASH,
            IConfide::Reward::SIGNATURE_HASH,
            IConfide::Seize::SIGNATURE_HASH,
            IConfide::OrdersMatched::SIGNATURE_HASH,
            IConfide::TaskInitialize::SIGNATURE_HASH,
            IConfide::TaskContribute::SIGNATURE_HASH,
            IConfide::TaskConsensus::SIGNATURE_HASH,
            IConfide::TaskReveal::SIGNATURE_HASH,
            IConfide::TaskReopen::SIGNATURE_HASH,
            IConfide::TaskFinalize::SIGNATURE_HASH,
            IConfide::TaskClaimed::SIGNATURE_HASH,
            IDataProtector::DatasetSchema::SIGNATURE_HASH,
        ];
        Filter::new().address(addresses).event_signature(topics)
    }

    /// Binds the store to the deployment (refusing another's database) and starts the
    /// watcher where the store's checkpoint says.
    pub async fn start(&self) -> Result<Following<'_, P>, IndexerError> {
        let deployment = self.client.deployment();
        let checkpoint = self
            .store
            .bind(deployment.chain_id, deployment.protocol, self.start_block())
            .await?;
        Ok(Following {
            follower: self,
            watcher: self.watcher(checkpoint),
            unanalyzed_logs: 0,
            stale: false,
        })
    }

    fn watcher(&self, checkpoint: WatchCheckpoint) -> EventWatcher<'_, P> {
        self.client
            .resume_watch(self.filter(), checkpoint, self.config.confirmations)
            .with_max_range(self.config.max_range)
    }

    /// Follows until `stop` completes: failures are logged, kept for `/status` and retried
    /// after [`FollowConfig::retry_delay`].
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        tokio::select! {
            () = stop => {}
            () = self.follow_forever() => {}
        }
    }

    async fn follow_forever(&self) {
        let mut following = loop {
            match self.start().await {
                Ok(following) => break following,
                Err(error) => {
                    tracing::warn!(%error, "cannot start following the chain; retrying");
                    self.progress.set_error(Some(error.to_string()));
                    tokio::time::sleep(self.config.retry_delay).await;
                }
            }
        };
        loop {
            match following.step().await {
                Ok(Step::Idle) => tokio::time::sleep(self.client.config().poll_interval).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "indexing failed; retrying from the stored checkpoint");
                    tokio::time::sleep(self.config.retry_delay).await;
                }
            }
        }
    }
}

impl<P: Provider> Following<'_, P> {
    /// One look at the chain: indexes the next confirmed range, retracts a reorg, or finds
    /// nothing new. On failure nothing is applied, and the next step first puts the watcher
    /// back where the store says: it retries the same range.
    pub async fn step(&mut self) -> Result<Step, IndexerError> {
        let progress = &self.follower.progress;
        match self.try_step().await {
            Ok(step) => {
                progress.set_error(None);
                Ok(step)
            }
            Err(error) => {
                progress.set_error(Some(error.to_string()));
                self.stale = true;
                Err(error)
            }
        }
    }

    async fn try_step(&mut self) -> Result<Step, IndexerError> {
        let follower = self.follower;
        if self.stale {
            // The failed step's range may have been polled: resume from what was stored.
            let checkpoint = follower.store.checkpoint().await?;
            self.watcher = follower.watcher(checkpoint);
            self.stale = false;
        }
        let head = follower.client.block_number().await?;
        follower
            .progress
            .head_seen
            .store(head.saturating_add(1), Ordering::Relaxed);
        let Some(update) = self.watcher.poll().await? else {
            if self.unanalyzed_logs >= ANALYZE_AFTER_LOGS {
                // Caught up after many rows: the queries' plans depend on fresh statistics.
                follower.store.analyze().await?;
                self.unanalyzed_logs = 0;
            }
            return Ok(Step::Idle);
        };
        match update {
            WatchUpdate::Logs(logs) => {
                let changes = follower.changes(&logs).await?;
                follower
                    .store
                    .apply(&changes, &self.watcher.checkpoint())
                    .await?;
                follower
                    .progress
                    .logs_indexed
                    .fetch_add(logs.len() as u64, Ordering::Relaxed);
                self.unanalyzed_logs += logs.len() as u64;
                tracing::debug!(
                    logs = logs.len(),
                    next_block = self.watcher.next_block(),
                    "indexed"
                );
                Ok(Step::Indexed {
                    logs: logs.len(),
                    next_block: self.watcher.next_block(),
                })
            }
            WatchUpdate::Reorg { from_block } => {
                let rows = follower
                    .store
                    .retract(from_block, &self.watcher.checkpoint())
                    .await?;
                tracing::warn!(
                    from_block,
                    rows,
                    "reorg: rows of the dropped blocks deleted"
                );
                Ok(Step::Retracted { from_block, rows })
            }
        }
    }

    /// Steps until no new block is confirmed; the logs indexed.
    pub async fn catch_up(&mut self) -> Result<u64, IndexerError> {
        let mut logs = 0;
        loop {
            match self.step().await? {
                Step::Idle => return Ok(logs),
                Step::Indexed { logs: n, .. } => logs += n as u64,
                Step::Retracted { .. } => {}
            }
        }
    }

    /// The next block to index.
    pub fn next_block(&self) -> u64 {
        self.watcher.next_block()
    }
}
