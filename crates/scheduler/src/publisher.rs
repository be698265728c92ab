//! The workerpool order kept on sale in a market: published at start, published again (the
//! same signed order) if the market lost it while volume is left, replaced by a fresh order once
//! it is consumed, closed, or no longer open in the book. When the policy's terms change, the
//! old order is closed on-chain (`manageWorkerpoolOrder` CLOSE: its signature no longer matches)
//! before the new one is published. The order on sale is kept in the database, so a restart
//! does not publish a second one.

use crate::config::OrderPolicy;
use crate::error::SchedulerError;
use crate::service::{Scheduler, pause, unix_ms};
use crate::store::StoredOrder;
use alloy_primitives::{B256, Bytes};
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_market::{MarketClient, OrderStatus};
use confide_protocol::order::OrderKind;
use confide_protocol::{SignedOrder, WorkerpoolOrder};
use rand::RngCore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// `manage*Order` operation closing an order.
const CLOSE: u8 = 1;

/// Keeps the order on sale until stopped.
pub(crate) async fn run(scheduler: Arc<Scheduler>, mut stopped: watch::Receiver<bool>) {
    let timing = scheduler.config.timing;
    let mut backoff = timing.poll_interval;
    loop {
        let period = match publish_pass(&scheduler).await {
            Ok(()) => {
                backoff = timing.poll_interval;
                timing.poll_interval.max(Duration::from_secs(1))
            }
            Err(error) => {
                tracing::warn!(%error, ?backoff, "order publication failed");
                let wait = backoff;
                backoff = (backoff * 2).min(timing.max_backoff);
                wait
            }
        };
        if pause(period, None, &mut stopped).await {
            return;
        }
    }
}

/// What became of the order on sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Open in the market with volume left.
    OnSale,
    /// Volume left on-chain, but the market does not list it.
    Unlisted,
    /// Consumed, closed, or dead: a new order is needed.
    Gone,
}

/// One look at the order on sale; publishes what is missing.
pub async fn publish_pass(scheduler: &Scheduler) -> Result<(), SchedulerError> {
    let (Some(market), Some(publishing)) = (&scheduler.market, &scheduler.config.market) else {
        return Ok(());
    };
    let policy = &publishing.policy;
    let current = scheduler.store.current_order().await?;
    let standing = match &current {
        None => Standing::Gone,
        Some(current) => standing(scheduler, market, current).await?,
    };
    if let Some(current) = &current
        && standing != Standing::Gone
        && !same_terms(&current.order.order, scheduler, policy)
    {
        close(scheduler, current).await?;
        tracing::info!(order = %current.order_hash, "workerpool order closed: the policy changed");
        return publish_new(scheduler, market, policy).await;
    }
    match (standing, current) {
        (Standing::OnSale, _) => Ok(()),
        (Standing::Unlisted, Some(current)) => {
            market.publish(&scheduler.wallet, &current.order).await?;
            tracing::info!(order = %current.order_hash, "workerpool order published again");
            Ok(())
        }
        _ => publish_new(scheduler, market, policy).await,
    }
}

async fn standing(
    scheduler: &Scheduler,
    market: &MarketClient,
    current: &StoredOrder,
) -> Result<Standing, SchedulerError> {
    let consumed = scheduler
        .chain
        .protocol_view(&IConfide::viewConsumedCall {
            _id: current.order_hash,
        })
        .await?;
    if consumed >= current.order.order.volume {
        return Ok(Standing::Gone);
    }
    Ok(
        match market
            .order(OrderKind::Workerpool, current.order_hash)
            .await?
        {
            None => Standing::Unlisted,
            Some(listed) if listed.status == OrderStatus::Open => Standing::OnSale,
            Some(_) => Standing::Gone,
        },
    )
}

fn same_terms(order: &WorkerpoolOrder, scheduler: &Scheduler, policy: &OrderPolicy) -> bool {
    order.workerpool == scheduler.config.workerpool
        && order.workerpoolprice == policy.price
        && order.volume == policy.volume
        && order.tag == policy.tag.0
        && order.trust == policy.trust
        && order.category == policy.category
}

async fn close(scheduler: &Scheduler, current: &StoredOrder) -> Result<(), SchedulerError> {
    let call = IConfide::manageWorkerpoolOrderCall(Types::WorkerpoolOrderOperation {
        order: (&current.order).into(),
        operation: CLOSE,
        sign: Bytes::new(),
    });
    scheduler
        .chain
        .protocol_send(scheduler.wallet_address(), &call)
        .await?;
    Ok(())
}

async fn publish_new(
    scheduler: &Scheduler,
    market: &MarketClient,
    policy: &OrderPolicy,
) -> Result<(), SchedulerError> {
    let mut salt = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut salt);
    let order = WorkerpoolOrder {
        workerpool: scheduler.config.workerpool,
        workerpoolprice: policy.price,
        volume: policy.volume,
        tag: policy.tag.0,
        category: policy.category,
        trust: policy.trust,
        salt: B256::from(salt),
        ..WorkerpoolOrder::default()
    };
    let signed = SignedOrder::sign(order, &scheduler.chain.domain(), &scheduler.wallet)?;
    let order_hash = signed.hash(&scheduler.chain.domain());
    // Recorded before publication: a crash in between republishes this order, not another.
    scheduler
        .store
        .set_current_order(&StoredOrder {
            order_hash,
            order: signed.clone(),
            published_at_ms: unix_ms(),
        })
        .await?;
    market.publish(&scheduler.wallet, &signed).await?;
    tracing::info!(order = %order_hash, price = %policy.price, volume = %policy.volume, "workerpool order published");
    Ok(())
}
