//! The follower: one event watcher (with confirmations) over the protocol, the three
//! registries and DataProtector; each confirmed range of logs becomes [`Change`]s, applied with
//! the watcher's checkpoint in one transaction, so a restart resumes with no gap and no
//! duplicate; a reorg retracts the rows of the dropped blocks, with the checkpoint too.
//!
//! What a log does not say is read from the protocol's views before the transaction opens:
//! an asset's metadata at its mint (immutable), a deal's record at `OrdersMatched`, a task's
//! deal and index at `TaskInitialize`, and a block's timestamp when the node leaves it out of
//! the log.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, Filter, Log};
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide, IDataProtector};
use confide_chain::client::{Client, ClientError, ConfirmedLog, EventWatcher, WatchUpdate};
use confide_crypto::protected_data::Schema;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::error::IndexerError;
use crate::model::{AssetKind, Deal, DealResource, TaskEventKind};
use crate::store::{
    AssetRecord, Change, EscrowEvent, LogPosition, ProtectedDataRecord, Store, TaskEventRecord,
};

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
}

/// A log's event, as far as the indexer cares.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    AssetTransfer {
        kind: AssetKind,
        asset: Address,
        from: Address,
        to: Address,
    },
    DatasetSchema {
        dataset: Address,
        schema: String,
    },
    EscrowTransfer {
        from: Address,
        to: Address,
        value: U256,
    },
    Escrow {
        account: Address,
        event: EscrowEvent,
        amount: U256,
        reference: Option<B256>,
    },
    OrdersMatched {
        deal: B256,
        hashes: [B256; 4],
        volume: U256,
    },
    Task(TaskEventRecord),
}

/// An asset as the views give it.
#[derive(Debug, Clone)]
struct ViewedAsset {
    record: AssetRecord,
    owner: Address,
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
        })
    }

    fn watcher(&self, checkpoint: confide_chain::client::WatchCheckpoint) -> EventWatcher<'_, P> {
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

    /// The event of `log`, if the indexer cares (other logs and logs that do not decode as
    /// their topic says are skipped).
    fn decode(&self, log: &Log) -> Option<Event> {
        let deployment = self.client.deployment();
        let address = log.address();
        let topic = *log.topic0()?;
        let registry = [
            (deployment.app_registry, AssetKind::App),
            (deployment.dataset_registry, AssetKind::Dataset),
            (deployment.workerpool_registry, AssetKind::Workerpool),
        ]
        .into_iter()
        .find(|(registry, _)| *registry == address);
        if let Some((_, kind)) = registry {
            let transfer = decode::<IAppRegistry::Transfer>(log)?;
            return Some(Event::AssetTransfer {
                kind,
                asset: Address::from_word(transfer.tokenId.into()),
                from: transfer.from,
                to: transfer.to,
            });
        }
        if Some(address) == deployment.data_protector {
            let event = decode::<IDataProtector::DatasetSchema>(log)?;
            return Some(Event::DatasetSchema {
                dataset: event.dataset,
                schema: event.schema,
            });
        }
        if address != deployment.protocol {
            return None;
        }
        let escrow = |account, event, amount, reference| {
            Some(Event::Escrow {
                account,
                event,
                amount,
                reference,
            })
        };
        let task = |task_id, event, worker, value, results| {
            Some(Event::Task(TaskEventRecord {
                task_id,
                event,
                worker,
                value,
                results,
            }))
        };
        match topic {
            IConfide::Transfer::SIGNATURE_HASH => {
                let e = decode::<IConfide::Transfer>(log)?;
                Some(Event::EscrowTransfer {
                    from: e.from,
                    to: e.to,
                    value: e.value,
                })
            }
            IConfide::Lock::SIGNATURE_HASH => {
                let e = decode::<IConfide::Lock>(log)?;
                escrow(e.owner, EscrowEvent::Lock, e.amount, None)
            }
            IConfide::Unlock::SIGNATURE_HASH => {
                let e = decode::<IConfide::Unlock>(log)?;
                escrow(e.owner, EscrowEvent::Unlock, e.amount, None)
            }
            IConfide::Reward::SIGNATURE_HASH => {
                let e = decode::<IConfide::Reward>(log)?;
                escrow(e.owner, EscrowEvent::Reward, e.amount, Some(e.r#ref))
            }
            IConfide::Seize::SIGNATURE_HASH => {
                let e = decode::<IConfide::Seize>(log)?;
                escrow(e.owner, EscrowEvent::Seize, e.amount, Some(e.r#ref))
            }
            IConfide::OrdersMatched::SIGNATURE_HASH => {
                let e = decode::<IConfide::OrdersMatched>(log)?;
                Some(Event::OrdersMatched {
                    deal: e.dealid,
                    hashes: [e.appHash, e.datasetHash, e.workerpoolHash, e.requestHash],
                    volume: e.volume,
                })
            }
            IConfide::TaskInitialize::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskInitialize>(log)?;
                task(e.taskid, TaskEventKind::Initialize, None, None, None)
            }
            IConfide::TaskContribute::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskContribute>(log)?;
                task(
                    e.taskid,
                    TaskEventKind::Contribute,
                    Some(e.worker),
                    Some(e.hash),
                    None,
                )
            }
            IConfide::TaskConsensus::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskConsensus>(log)?;
                task(
                    e.taskid,
                    TaskEventKind::Consensus,
                    None,
                    Some(e.consensus),
                    None,
                )
            }
            IConfide::TaskReveal::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskReveal>(log)?;
                task(
                    e.taskid,
                    TaskEventKind::Reveal,
                    Some(e.worker),
                    Some(e.digest),
                    None,
                )
            }
            IConfide::TaskReopen::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskReopen>(log)?;
                task(e.taskid, TaskEventKind::Reopen, None, None, None)
            }
            IConfide::TaskFinalize::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskFinalize>(log)?;
                task(
                    e.taskid,
                    TaskEventKind::Finalize,
                    None,
                    None,
                    Some(e.results),
                )
            }
            IConfide::TaskClaimed::SIGNATURE_HASH => {
                let e = decode::<IConfide::TaskClaimed>(log)?;
                task(e.taskid, TaskEventKind::Claimed, None, None, None)
            }
            _ => None,
        }
    }

    /// The changes `logs` make, with what the chain's views add.
    async fn changes(&self, logs: &[ConfirmedLog]) -> Result<Vec<Change>, IndexerError> {
        let events: Vec<(&Log, Event)> = logs
            .iter()
            .filter_map(|confirmed| {
                let event = self.decode(&confirmed.log);
                if event.is_none() {
                    tracing::debug!(log = ?confirmed.log, "log skipped");
                }
                Some((&confirmed.log, event?))
            })
            .collect();
        let timestamps = self.timestamps(events.iter().map(|(log, _)| *log)).await?;

        // Assets minted here are read; assets and tasks first seen here without their
        // creation (indexing started after it) are read too.
        let mut minted = HashMap::new();
        let mut referenced = Vec::new();
        let mut deals = Vec::new();
        let mut initialized = HashSet::new();
        let mut referenced_tasks = Vec::new();
        for (_, event) in &events {
            match event {
                Event::AssetTransfer {
                    kind, asset, from, ..
                } if from.is_zero() => {
                    minted.insert(*asset, *kind);
                }
                Event::AssetTransfer { kind, asset, .. } => referenced.push((*asset, *kind)),
                Event::DatasetSchema { dataset, .. } => {
                    referenced.push((*dataset, AssetKind::Dataset));
                }
                Event::OrdersMatched { deal, .. } => deals.push(*deal),
                Event::Task(record) if record.event == TaskEventKind::Initialize => {
                    initialized.insert(record.task_id);
                }
                Event::Task(record) => referenced_tasks.push(record.task_id),
                _ => {}
            }
        }
        referenced.retain(|(asset, _)| !minted.contains_key(asset));
        let referenced_addresses: Vec<Address> = referenced.iter().map(|(a, _)| *a).collect();
        let unknown: HashSet<Address> = self
            .store
            .unknown_assets(&dedup(referenced_addresses))
            .await?
            .into_iter()
            .collect();
        let mut to_view: Vec<(Address, AssetKind)> = minted.into_iter().collect();
        to_view.extend(referenced.iter().filter(|(a, _)| unknown.contains(a)));
        let assets = self.view_assets(dedup(to_view)).await?;

        referenced_tasks.retain(|task| !initialized.contains(task));
        let mut tasks_to_view: Vec<B256> = initialized.into_iter().collect();
        tasks_to_view.extend(self.store.unknown_tasks(&dedup(referenced_tasks)).await?);
        let tasks = self.view_tasks(dedup(tasks_to_view)).await?;
        let deals = self.view_deals(dedup(deals)).await?;

        let mut changes = Vec::with_capacity(events.len() + 8);
        let mut created_assets = HashSet::new();
        let mut created_tasks = HashSet::new();
        for (log, event) in events {
            let at = LogPosition {
                block_number: log.block_number.unwrap_or_default(),
                log_index: log.log_index.unwrap_or_default(),
                tx_hash: log.transaction_hash.unwrap_or_default(),
                timestamp: timestamps
                    .get(&log.block_number.unwrap_or_default())
                    .copied()
                    .unwrap_or_default(),
            };
            match event {
                Event::AssetTransfer {
                    asset, from, to, ..
                } => {
                    if let Some(viewed) = assets.get(&asset)
                        && created_assets.insert(asset)
                    {
                        changes.push(Change::Asset {
                            at,
                            asset: viewed.record.clone(),
                        });
                    }
                    changes.push(Change::Owner {
                        at,
                        asset,
                        previous: (!from.is_zero()).then_some(from),
                        owner: to,
                    });
                }
                Event::DatasetSchema { dataset, schema } => {
                    if let Some(viewed) = assets.get(&dataset)
                        && created_assets.insert(dataset)
                    {
                        // First seen here: its owner as the view tells.
                        changes.push(Change::Asset {
                            at,
                            asset: viewed.record.clone(),
                        });
                        changes.push(Change::Owner {
                            at,
                            asset: dataset,
                            previous: None,
                            owner: viewed.owner,
                        });
                    }
                    let entries = Schema::flatten_json_lenient(&schema)
                        .map(|entries| entries.iter().map(|e| e.id()).collect())
                        .unwrap_or_default();
                    changes.push(Change::ProtectedData {
                        at,
                        record: ProtectedDataRecord {
                            address: dataset,
                            json_schema: schema,
                            entries,
                        },
                    });
                }
                Event::EscrowTransfer { from, to, value } => {
                    if !from.is_zero() {
                        changes.push(Change::Escrow {
                            at,
                            seq: 0,
                            account: from,
                            event: EscrowEvent::TransferOut,
                            amount: value,
                            counterparty: Some(to),
                            reference: None,
                        });
                    }
                    if !to.is_zero() {
                        changes.push(Change::Escrow {
                            at,
                            seq: 1,
                            account: to,
                            event: EscrowEvent::TransferIn,
                            amount: value,
                            counterparty: Some(from),
                            reference: None,
                        });
                    }
                }
                Event::Escrow {
                    account,
                    event,
                    amount,
                    reference,
                } => changes.push(Change::Escrow {
                    at,
                    seq: 0,
                    account,
                    event,
                    amount,
                    counterparty: None,
                    reference,
                }),
                Event::OrdersMatched {
                    deal,
                    hashes,
                    volume,
                } => {
                    let Some(record) = deals.get(&deal) else {
                        continue;
                    };
                    changes.push(Change::Deal {
                        at,
                        deal: Box::new(deal_of(deal, record, hashes, volume, &at)),
                    });
                }
                Event::Task(record) => {
                    if let Some((deal_id, index)) = tasks.get(&record.task_id)
                        && created_tasks.insert(record.task_id)
                    {
                        changes.push(Change::Task {
                            at,
                            task_id: record.task_id,
                            deal_id: *deal_id,
                            index: *index,
                        });
                    }
                    changes.push(Change::TaskEvent { at, record });
                }
            }
        }
        Ok(changes)
    }

    /// Block timestamps: the logs', else the blocks' headers.
    async fn timestamps<'l>(
        &self,
        logs: impl Iterator<Item = &'l Log>,
    ) -> Result<HashMap<u64, u64>, IndexerError> {
        let mut timestamps = HashMap::new();
        let mut missing = BTreeSet::new();
        for log in logs {
            let block = log.block_number.unwrap_or_default();
            match log.block_timestamp {
                Some(timestamp) => {
                    timestamps.insert(block, timestamp);
                }
                None => {
                    missing.insert(block);
                }
            }
        }
        missing.retain(|block| !timestamps.contains_key(block));
        let fetched: Vec<(u64, u64)> = stream::iter(missing)
            .map(|block| self.block_timestamp(block))
            .buffer_unordered(self.config.concurrency.max(1))
            .try_collect()
            .await?;
        timestamps.extend(fetched);
        Ok(timestamps)
    }

    async fn block_timestamp(&self, number: u64) -> Result<(u64, u64), ClientError> {
        let provider = self.client.provider();
        let block = self
            .client
            .config()
            .retry
            .request("eth_getBlockByNumber", || async {
                provider
                    .get_block_by_number(BlockNumberOrTag::Number(number))
                    .await
            })
            .await?
            .ok_or_else(|| ClientError::Decode {
                what: format!("block {number}"),
                reason: "the node does not have it".into(),
            })?;
        Ok((number, block.header.timestamp))
    }

    async fn view_assets(
        &self,
        assets: Vec<(Address, AssetKind)>,
    ) -> Result<HashMap<Address, ViewedAsset>, IndexerError> {
        let viewed: Vec<(Address, ViewedAsset)> = stream::iter(assets)
            .map(|(address, kind)| async move {
                self.view_asset(address, kind)
                    .await
                    .map(|viewed| (address, viewed))
            })
            .buffer_unordered(self.config.concurrency.max(1))
            .try_collect()
            .await?;
        Ok(viewed.into_iter().collect())
    }

    async fn view_asset(
        &self,
        address: Address,
        kind: AssetKind,
    ) -> Result<ViewedAsset, ClientError> {
        let client = &self.client;
        let (owner, record) = match kind {
            AssetKind::App => {
                let app = client
                    .protocol_view(&IConfide::viewAppCall { app: address })
                    .await?;
                (
                    app.owner,
                    AssetRecord {
                        address,
                        kind,
                        name: app.m_appName,
                        app_type: Some(app.m_appType),
                        multiaddr: Some(app.m_appMultiaddr),
                        checksum: Some(app.m_appChecksum),
                        mrenclave: non_empty(app.m_appMREnclave),
                    },
                )
            }
            AssetKind::Dataset => {
                let dataset = client
                    .protocol_view(&IConfide::viewDatasetCall { dataset: address })
                    .await?;
                (
                    dataset.owner,
                    AssetRecord {
                        address,
                        kind,
                        name: dataset.m_datasetName,
                        app_type: None,
                        multiaddr: Some(dataset.m_datasetMultiaddr),
                        checksum: Some(dataset.m_datasetChecksum),
                        mrenclave: None,
                    },
                )
            }
            AssetKind::Workerpool => {
                let pool = client
                    .protocol_view(&IConfide::viewWorkerpoolCall {
                        workerpool: address,
                    })
                    .await?;
                (
                    pool.owner,
                    AssetRecord {
                        address,
                        kind,
                        name: pool.m_workerpoolDescription,
                        app_type: None,
                        multiaddr: None,
                        checksum: None,
                        mrenclave: None,
                    },
                )
            }
        };
        Ok(ViewedAsset { record, owner })
    }

    async fn view_deals(
        &self,
        deals: Vec<B256>,
    ) -> Result<HashMap<B256, confide_chain::artifacts::bindings::Types::Deal>, IndexerError> {
        let viewed: Vec<_> = stream::iter(deals)
            .map(|id| async move { self.client.deal(id).await.map(|deal| (id, deal)) })
            .buffer_unordered(self.config.concurrency.max(1))
            .try_collect()
            .await?;
        Ok(viewed.into_iter().collect())
    }

    /// Each task's deal and index.
    async fn view_tasks(
        &self,
        tasks: Vec<B256>,
    ) -> Result<HashMap<B256, (B256, U256)>, IndexerError> {
        let viewed: Vec<_> = stream::iter(tasks)
            .map(|id| async move {
                self.client
                    .task(id)
                    .await
                    .map(|task| (id, (task.dealid, task.idx)))
            })
            .buffer_unordered(self.config.concurrency.max(1))
            .try_collect()
            .await?;
        Ok(viewed.into_iter().collect())
    }
}

impl<P: Provider> Following<'_, P> {
    /// One look at the chain: indexes the next confirmed range, retracts a reorg, or finds
    /// nothing new. On failure nothing is applied and the watcher is put back where the store
    /// says: calling again retries the same range.
    pub async fn step(&mut self) -> Result<Step, IndexerError> {
        let progress = &self.follower.progress;
        match self.try_step().await {
            Ok(step) => {
                progress.set_error(None);
                Ok(step)
            }
            Err(error) => {
                progress.set_error(Some(error.to_string()));
                if let Ok(checkpoint) = self.follower.store.checkpoint().await {
                    self.watcher = self.follower.watcher(checkpoint);
                }
                Err(error)
            }
        }
    }

    async fn try_step(&mut self) -> Result<Step, IndexerError> {
        let follower = self.follower;
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

fn decode<E: SolEvent>(log: &Log) -> Option<E> {
    E::decode_log(&log.inner).ok().map(|decoded| decoded.data)
}

fn non_empty(bytes: Bytes) -> Option<Bytes> {
    (!bytes.is_empty()).then_some(bytes)
}

/// Keeps the first of each value, in order.
fn dedup<T: Clone + Eq + std::hash::Hash>(values: Vec<T>) -> Vec<T> {
    let mut seen = HashSet::new();
    values
        .into_iter()
        .filter(|v| seen.insert(v.clone()))
        .collect()
}

/// Seconds that fit the databases' BIGINT.
fn seconds(value: U256) -> u64 {
    value.saturating_to::<u64>().min(i64::MAX as u64)
}

fn deal_of(
    deal_id: B256,
    deal: &confide_chain::artifacts::bindings::Types::Deal,
    hashes: [B256; 4],
    volume: U256,
    at: &LogPosition,
) -> Deal {
    let resource = |r: &confide_chain::artifacts::bindings::Types::Resource| DealResource {
        pointer: r.pointer,
        owner: r.owner,
        price: r.price,
    };
    let [
        app_order_hash,
        dataset_order_hash,
        workerpool_order_hash,
        request_order_hash,
    ] = hashes;
    Deal {
        deal_id,
        app: resource(&deal.app),
        dataset: resource(&deal.dataset),
        workerpool: resource(&deal.workerpool),
        trust: deal.trust,
        category: deal.category,
        tag: deal.tag,
        requester: deal.requester,
        beneficiary: deal.beneficiary,
        callback: deal.callback,
        params: deal.params.clone(),
        start_time: seconds(deal.startTime),
        bot_first: deal.botFirst,
        bot_size: deal.botSize,
        volume,
        worker_stake: deal.workerStake,
        scheduler_reward_ratio: deal.schedulerRewardRatio,
        sponsor: deal.sponsor,
        app_order_hash,
        dataset_order_hash,
        workerpool_order_hash,
        request_order_hash,
        transaction_hash: at.tx_hash,
        block_number: at.block_number,
        timestamp: at.timestamp,
    }
}
