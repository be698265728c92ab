//! The book follows the chain: the protocol's `OrdersMatched` (the remaining volume of the
//! matched orders is read again, `viewConsumed`) and `Closed{App,Dataset,Workerpool,Request}Order`
//! (remaining 0, canceled), and the registries' ERC-721 `Transfer` (the orders the previous owner
//! signed are dead; a transfer back revives them), delivered with the configured confirmations.
//!
//! Each batch of logs is applied in one database transaction together with the watcher's
//! checkpoint, so a restart resumes after the last batch applied, with no event missed and none
//! applied twice. On a reorg below the confirmations the orders whose state was read from the
//! retracted blocks on are read again from the chain. The first start stores its position at
//! once (the chain's head, or `start_block`), so events between it and a restart are not missed.
//!
//! Consumption is read at the node's latest block (the dev chain serves no other state): a
//! match still below the confirmation depth can show early; it is final once confirmed.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide};
use confide_chain::client::{ConfirmedLog, WatchCheckpoint, WatchUpdate};
use confide_protocol::order::OrderKind;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::book::Market;
use crate::chain;
use crate::error::MarketError;
use crate::model::OrderStatus;
use crate::store::{Effect, TouchedOrder};

/// Chain reads in flight at once while applying a batch.
const READS_IN_FLIGHT: usize = 16;
/// The longest wait before retrying after a failure (the node or the database is down).
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Follows the chain until the task is dropped; failures are logged and retried from the last
/// stored checkpoint.
pub async fn run(market: Arc<Market>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Err(error) = session(&market).await;
        tracing::warn!(%error, ?backoff, "chain watcher failed; resuming from its checkpoint");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Watches from the stored checkpoint until something fails.
async fn session(market: &Market) -> Result<Infallible, MarketError> {
    let checkpoint = match market.store.checkpoint().await? {
        Some(checkpoint) => checkpoint,
        None => {
            let start = match market.config.start_block {
                Some(block) => block,
                None => market.chain.block_number().await?,
            };
            let checkpoint = WatchCheckpoint::starting_at(start);
            market.store.apply(&[], &checkpoint).await?;
            checkpoint
        }
    };
    market
        .watched
        .store(checkpoint.next_block, Ordering::Release);
    let mut watcher =
        market
            .chain
            .resume_watch(filter(market), checkpoint, market.config.confirmations);
    loop {
        let effects = match watcher.poll().await? {
            None => {
                tokio::time::sleep(market.config.poll_interval).await;
                continue;
            }
            Some(WatchUpdate::Logs(logs)) => effects_of(market, &logs).await?,
            Some(WatchUpdate::Reorg { from_block }) => reread(market, from_block).await?,
        };
        market.store.apply(&effects, &watcher.checkpoint()).await?;
        market
            .watched
            .store(watcher.next_block(), Ordering::Release);
    }
}

/// The protocol's order events and the registries' transfers.
fn filter(market: &Market) -> Filter {
    let deployment = market.chain.deployment();
    Filter::new()
        .address(vec![
            deployment.protocol,
            deployment.app_registry,
            deployment.dataset_registry,
            deployment.workerpool_registry,
        ])
        .event_signature(vec![
            IConfide::OrdersMatched::SIGNATURE_HASH,
            IConfide::ClosedAppOrder::SIGNATURE_HASH,
            IConfide::ClosedDatasetOrder::SIGNATURE_HASH,
            IConfide::ClosedWorkerpoolOrder::SIGNATURE_HASH,
            IConfide::ClosedRequestOrder::SIGNATURE_HASH,
            IAppRegistry::Transfer::SIGNATURE_HASH,
        ])
}

/// What a batch of confirmed logs does to the book.
async fn effects_of(market: &Market, logs: &[ConfirmedLog]) -> Result<Vec<Effect>, MarketError> {
    let deployment = market.chain.deployment();
    let registries = [
        (deployment.app_registry, OrderKind::App),
        (deployment.dataset_registry, OrderKind::Dataset),
        (deployment.workerpool_registry, OrderKind::Workerpool),
    ];
    let mut matched: HashMap<B256, u64> = HashMap::new();
    let mut effects = Vec::new();
    for log in logs {
        let block = log.block_number();
        let emitter = log.log.address();
        if emitter == deployment.protocol {
            if let Some(event) = log.decode::<IConfide::OrdersMatched>() {
                let hashes = [
                    event.appHash,
                    event.datasetHash,
                    event.workerpoolHash,
                    event.requestHash,
                ];
                for hash in hashes.into_iter().filter(|h| !h.is_zero()) {
                    matched.insert(hash, block);
                }
            } else if let Some(hash) = closed_order(log) {
                effects.push(Effect::Closed { hash, block });
            }
        } else if let Some((_, kind)) = registries.iter().find(|(r, _)| *r == emitter)
            && let Some(transfer) = log.decode::<IAppRegistry::Transfer>()
            && !transfer.from.is_zero()
        {
            effects.push(Effect::Transferred {
                kind: *kind,
                asset: Address::from_word(transfer.tokenId.into()),
                owner: transfer.to,
                block,
            });
        }
    }
    let hashes: Vec<B256> = matched.keys().copied().collect();
    let volumes = market.store.volumes(&hashes).await?;
    let matched = &matched;
    let consumed: Vec<Effect> = stream::iter(volumes)
        .map(|(hash, volume)| async move {
            let consumed = chain::consumed(&market.chain, hash).await?;
            Ok::<_, MarketError>(Effect::Consumed {
                hash,
                remaining: volume.saturating_sub(consumed),
                block: matched.get(&hash).copied().unwrap_or_default(),
            })
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .try_collect()
        .await?;
    // Consumption is read, absolute and only lowered: its place among the other effects does
    // not matter; transfers keep their chain order.
    Ok(consumed.into_iter().chain(effects).collect())
}

/// The order hash of a `Closed*Order` event.
fn closed_order(log: &ConfirmedLog) -> Option<B256> {
    log.decode::<IConfide::ClosedAppOrder>()
        .map(|e| e.appHash)
        .or_else(|| {
            log.decode::<IConfide::ClosedDatasetOrder>()
                .map(|e| e.datasetHash)
        })
        .or_else(|| {
            log.decode::<IConfide::ClosedWorkerpoolOrder>()
                .map(|e| e.workerpoolHash)
        })
        .or_else(|| {
            log.decode::<IConfide::ClosedRequestOrder>()
                .map(|e| e.requestHash)
        })
}

/// After a reorg from `from_block`: the orders whose state was read from those blocks on, read
/// again.
async fn reread(market: &Market, from_block: u64) -> Result<Vec<Effect>, MarketError> {
    let touched = market.store.touched_since(from_block).await?;
    tracing::info!(
        from_block,
        orders = touched.len(),
        "reorg: re-reading orders"
    );
    stream::iter(touched)
        .map(|order| reread_one(market, order, from_block))
        .buffer_unordered(READS_IN_FLIGHT)
        .try_collect()
        .await
}

async fn reread_one(
    market: &Market,
    order: TouchedOrder,
    from_block: u64,
) -> Result<Effect, MarketError> {
    let owner = async {
        match order.kind {
            OrderKind::Request => Ok(Some(order.asset)),
            kind => chain::asset_owner(&market.chain, kind, order.asset).await,
        }
    };
    let (owner, consumed) = tokio::join!(owner, chain::consumed(&market.chain, order.hash));
    let remaining = order.volume.saturating_sub(consumed?);
    let status = if owner? != Some(order.signer) {
        OrderStatus::Dead
    } else if remaining > U256::ZERO {
        OrderStatus::Open
    } else if order.status == OrderStatus::Canceled {
        OrderStatus::Canceled
    } else {
        OrderStatus::Filled
    };
    Ok(Effect::Reread {
        hash: order.hash,
        remaining,
        status,
        block: from_block,
    })
}
