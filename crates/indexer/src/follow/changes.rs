//! What a range of logs changes, with what the chain's views add: an asset's metadata at
//! its mint, a deal's record, a task's deal and index, a block's timestamp when the log lacks
//! it.

use std::collections::{BTreeSet, HashMap, HashSet};

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{BlockNumberOrTag, Log};
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::client::{ClientError, ConfirmedLog};
use confide_crypto::protected_data::Schema;
use futures_util::{StreamExt, TryStreamExt, stream};

use super::Follower;
use super::decode::{Event, decode};
use crate::error::IndexerError;
use crate::model::{AssetKind, Deal, DealResource, TaskEventKind};
use crate::store::{AssetRecord, Change, EscrowEvent, LogPosition, ProtectedDataRecord};

/// An asset as the views give it.
#[derive(Debug, Clone)]
struct ViewedAsset {
    record: AssetRecord,
    owner: Address,
}

impl<P: Provider> Follower<P> {
    /// The changes `logs` make, with what the chain's views add.
    pub(super) async fn changes(&self, logs: &[ConfirmedLog]) -> Result<Vec<Change>, IndexerError> {
        let events: Vec<(&Log, Event)> = logs
            .iter()
            .filter_map(|confirmed| {
                let event = decode(self.client.deployment(), &confirmed.log);
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
    ) -> Result<HashMap<B256, Types::Deal>, IndexerError> {
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
    deal: &Types::Deal,
    hashes: [B256; 4],
    volume: U256,
    at: &LogPosition,
) -> Deal {
    let resource = |r: &Types::Resource| DealResource {
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
