//! The book follows the chain: cancellations, ownership transfers, matches while the market was
//! down.

use alloy_primitives::{B256, Bytes, U256};
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide, Types};
use confide_chain::scenario::Terms;
use confide_market::{OrderQuery, OrderStatus};
use confide_protocol::SignedOrder;
use confide_protocol::order::{AppOrder, DatasetOrder, OrderKind};

use crate::world::{World, on_both_databases, salt};

async fn listed(world: &World, kind: OrderKind) -> Vec<B256> {
    world
        .client
        .orders(kind, &OrderQuery::default())
        .await
        .unwrap()
        .orders
        .into_iter()
        .map(|o| o.order_hash)
        .collect()
}

async fn cancel_dataset_order(world: &World, order: &SignedOrder<DatasetOrder>) {
    world
        .chain
        .protocol_send(
            world.roles.data_owner.address(),
            &IConfide::manageDatasetOrderCall(Types::DatasetOrderOperation {
                order: order.into(),
                operation: 1,
                sign: Bytes::new(),
            }),
        )
        .await
        .unwrap();
}

on_both_databases!(cancelled_and_transferred_orders_leave_the_book);

async fn cancelled_and_transferred_orders_leave_the_book(database: String) {
    let world = World::start(&database).await;
    let draft = world.draft(&Terms::tee());
    let data_owner = &world.roles.data_owner;
    let developer = &world.roles.app_developer;
    let dataset_order = world.sign(draft.dataset.clone().unwrap(), data_owner);
    let dataset_hash = world
        .client
        .publish(data_owner, &dataset_order)
        .await
        .unwrap();
    let app_order = world.sign(draft.app.clone(), developer);
    let app_hash = world.client.publish(developer, &app_order).await.unwrap();

    cancel_dataset_order(&world, &dataset_order).await;
    world.synced().await;
    assert!(listed(&world, OrderKind::Dataset).await.is_empty());
    let cancelled = world
        .client
        .order(OrderKind::Dataset, dataset_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (cancelled.status, cancelled.remaining),
        (OrderStatus::Canceled, U256::ZERO)
    );
    // A cancelled order cannot come back.
    let refused = world.client.publish(data_owner, &dataset_order).await;
    assert_eq!(refused.unwrap_err().code(), Some("ORDER_CONSUMED"));

    // The app changes hands: its previous owner's orders are dead.
    let transfer =
        |from: &alloy_signer_local::PrivateKeySigner, to| IAppRegistry::transferFromCall {
            from: from.address(),
            to,
            tokenId: U256::from_be_slice(world.app().as_slice()),
        };
    let registry = world.chain.deployment().app_registry;
    let stranger = world.roles.stranger.address();
    world
        .chain
        .send(
            developer.address(),
            registry,
            &transfer(developer, stranger),
        )
        .await
        .unwrap();
    world.synced().await;
    assert!(listed(&world, OrderKind::App).await.is_empty());
    let dead = world
        .client
        .order(OrderKind::App, app_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.status, OrderStatus::Dead);
    // The new owner's orders are welcome; the old owner's are not.
    let by_new_owner = world.sign(
        AppOrder {
            salt: salt(1),
            ..draft.app.clone()
        },
        &world.roles.stranger,
    );
    let new_hash = world
        .client
        .publish(&world.roles.stranger, &by_new_owner)
        .await
        .unwrap();
    let refused = world.client.publish(developer, &app_order).await;
    assert_eq!(refused.unwrap_err().code(), Some("WRONG_SIGNER"));
    // Back to the developer: his order lives again, the stranger's dies.
    world
        .chain
        .send(
            stranger,
            registry,
            &transfer(&world.roles.stranger, developer.address()),
        )
        .await
        .unwrap();
    world.synced().await;
    assert_eq!(listed(&world, OrderKind::App).await, [app_hash]);
    let dead = world
        .client
        .order(OrderKind::App, new_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.status, OrderStatus::Dead);
}

on_both_databases!(a_restarted_market_misses_no_event);

async fn a_restarted_market_misses_no_event(database: String) {
    let mut world = World::start(&database).await;
    let terms = Terms {
        volume: U256::from(5),
        ..Terms::tee()
    };
    let draft = world.draft(&terms);
    let roles = &world.roles;
    let app = world.sign(draft.app.clone(), &roles.app_developer);
    let dataset = world.sign(draft.dataset.clone().unwrap(), &roles.data_owner);
    let workerpool = world.sign(draft.workerpool.clone(), &roles.scheduler);
    let request = world.sign(draft.request.clone(), &roles.requester);
    let spare = world.sign(
        DatasetOrder {
            salt: salt(7),
            ..draft.dataset.clone().unwrap()
        },
        &roles.data_owner,
    );
    let client = world.client.clone();
    let app_hash = client.publish(&roles.app_developer, &app).await.unwrap();
    let dataset_hash = client.publish(&roles.data_owner, &dataset).await.unwrap();
    client.publish(&roles.scheduler, &workerpool).await.unwrap();
    let spare_hash = client.publish(&roles.data_owner, &spare).await.unwrap();
    // Partially matched request: 2 of its 5 tasks.
    let request = SignedOrder::sign(
        confide_protocol::order::RequestOrder {
            volume: U256::from(2),
            ..request.order
        },
        &world.domain,
        &roles.requester,
    )
    .unwrap();
    world.synced().await;
    let checkpoint = world.market.store().checkpoint().await.unwrap().unwrap();
    assert!(checkpoint.next_block > 0);

    let requester = roles.requester.address();
    world.stop_market().await;
    world
        .chain
        .match_orders(requester, &app, Some(&dataset), &workerpool, &request)
        .await
        .unwrap();
    cancel_dataset_order(&world, &spare).await;
    world.start_market().await;
    world.synced().await;

    let app_now = world
        .client
        .order(OrderKind::App, app_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app_now.remaining, U256::from(3));
    let dataset_now = world
        .client
        .order(OrderKind::Dataset, dataset_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dataset_now.remaining, U256::from(3));
    assert_eq!(listed(&world, OrderKind::Dataset).await, [dataset_hash]);
    let spare_now = world
        .client
        .order(OrderKind::Dataset, spare_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spare_now.status, OrderStatus::Canceled);
}
