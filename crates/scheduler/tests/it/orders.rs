//! The workerpool order kept on sale in a market.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::U256;
use confide_chain::artifacts::bindings::IConfide;
use confide_chain::scenario::{OrderDraft, RLC, Terms};
use confide_market::store::Store as MarketStore;
use confide_market::{Market, MarketConfig, OrderStatus};
use confide_protocol::order::OrderKind;
use confide_protocol::workerpool::TaskState;
use confide_protocol::{SignedOrder, WorkerpoolOrder};
use confide_scheduler::{MarketPublishing, OrderPolicy};

use crate::world::{World, client_config, sqlite_in, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_on_sale_is_republished_once_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut world = World::start(&sqlite_in(&dir)).await;
    let market_store = MarketStore::open(&format!("sqlite://{}/market.db", dir.path().display()))
        .await
        .unwrap();
    let market = Arc::new(Market::new(
        market_store,
        world.local().reader(client_config()).await.unwrap(),
        MarketConfig {
            poll_interval: Duration::from_millis(20),
            start_block: Some(0),
            ..MarketConfig::default()
        },
    ));
    let market_server = confide_market::serve(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        market.clone(),
    )
    .await
    .unwrap();
    let market_url = format!("http://{}", market_server.local_addr());
    let client = confide_market::MarketClient::new(&market_url, world.chain.chain_id()).unwrap();

    world.stop_scheduler().await;
    let terms = Terms {
        workerpool_price: U256::from(4 * RLC),
        ..Terms::tee()
    };
    world.config.market = Some(MarketPublishing {
        url: market_url.clone(),
        policy: OrderPolicy {
            price: terms.workerpool_price,
            volume: U256::from(1),
            tag: terms.tag,
            trust: U256::ZERO,
            category: U256::ZERO,
        },
    });
    world.start_scheduler().await;

    let store = world.scheduler().store().clone();
    let first = wait_until("an order on sale", || async {
        let current = store.current_order().await.unwrap()?;
        client
            .order(OrderKind::Workerpool, current.order_hash)
            .await
            .unwrap()
            .filter(|listed| listed.status == OrderStatus::Open)
            .map(|_| current)
    })
    .await;
    assert_eq!(first.order.order.workerpool, world.tee_assets.workerpool);
    assert_eq!(first.order.order.workerpoolprice, U256::from(4 * RLC));

    // A requester buys it: the pool runs the deal and puts a new order on sale.
    let domain = world.chain.domain();
    let requester = world.roles.requester.address();
    let draft = OrderDraft::new(&world.tee_assets, &terms, requester);
    let app = SignedOrder::sign(draft.app, &domain, &world.roles.app_developer).unwrap();
    let request = SignedOrder::sign(draft.request, &domain, &world.roles.requester).unwrap();
    let on_sale: SignedOrder<WorkerpoolOrder> = first.order.clone();
    let deal = world
        .chain
        .match_orders(requester, &app, None, &on_sale, &request)
        .await
        .unwrap();
    world.deal_tasks_in(deal, 1, TaskState::Running).await;
    let second = wait_until("a new order on sale", || async {
        let current = store.current_order().await.unwrap()?;
        (current.order_hash != first.order_hash).then_some(current)
    })
    .await;
    let listed = wait_until("the new order listed", || async {
        client
            .order(OrderKind::Workerpool, second.order_hash)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(listed.status, OrderStatus::Open);
    let old = client
        .order(OrderKind::Workerpool, first.order_hash)
        .await
        .unwrap();
    assert!(old.is_none_or(|old| old.status == OrderStatus::Filled));

    // The operator lowers the price: the order on sale is closed on-chain and replaced.
    world.stop_scheduler().await;
    if let Some(publishing) = &mut world.config.market {
        publishing.policy.price = U256::from(3 * RLC);
    }
    world.start_scheduler().await;
    let store = world.scheduler().store().clone();
    let third = wait_until("an order at the new price", || async {
        let current = store.current_order().await.unwrap()?;
        (current.order.order.workerpoolprice == U256::from(3 * RLC)).then_some(current)
    })
    .await;
    assert_ne!(third.order_hash, second.order_hash);
    let consumed = world
        .chain
        .protocol_view(&IConfide::viewConsumedCall {
            _id: second.order_hash,
        })
        .await
        .unwrap();
    assert_eq!(consumed, second.order.order.volume, "closed on-chain");
    wait_until("the old order off the book", || async {
        client
            .order(OrderKind::Workerpool, second.order_hash)
            .await
            .unwrap()
            .filter(|old| old.status == OrderStatus::Canceled)
    })
    .await;
    market_server.shutdown().await;
}
