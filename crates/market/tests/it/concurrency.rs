//! Many publishers at once: every publication succeeds, each order listed once.

use alloy_primitives::{Bytes, U256};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::IAppRegistry;
use confide_chain::scenario::Terms;
use confide_market::OrderQuery;
use confide_protocol::order::{AppOrder, OrderKind, RequestOrder};
use futures_util::future::join_all;

use crate::world::{World, on_both_databases, salt};

on_both_databases!(fifty_concurrent_publishers_all_succeed);

/// 25 app developers (each owning an app) and 25 requesters publish at once, and the app
/// developer of the fixture publishes 10 orders at once under one address.
async fn fifty_concurrent_publishers_all_succeed(database: String) {
    let world = World::start(&database).await;
    let draft = world.draft(&Terms::tee());
    let funder = world.roles.owner.address();
    let mut publications = Vec::new();
    for n in 0..25u64 {
        let developer = PrivateKeySigner::random();
        let app = world
            .chain
            .create_app(
                funder,
                &IAppRegistry::createAppCall {
                    owner: developer.address(),
                    name: format!("app {n}"),
                    appType: "WASM".into(),
                    multiaddr: Bytes::from_static(b"/p2p/app"),
                    checksum: salt(n),
                    mrenclave: Bytes::new(),
                },
            )
            .await
            .unwrap();
        let order = world.sign(
            AppOrder {
                app,
                salt: salt(n),
                ..draft.app.clone()
            },
            &developer,
        );
        publications.push((developer, serde_json::to_value(order).unwrap()));
    }
    for n in 0..25u64 {
        let requester = PrivateKeySigner::random();
        let order = world.sign(
            RequestOrder {
                requester: requester.address(),
                beneficiary: requester.address(),
                volume: U256::from(n + 1),
                salt: salt(n),
                ..draft.request.clone()
            },
            &requester,
        );
        publications.push((requester, serde_json::to_value(order).unwrap()));
    }
    let client = &world.client;
    let results = join_all(publications.iter().map(|(signer, order)| async move {
        let order: confide_protocol::SignedOrder = serde_json::from_value(order.clone()).unwrap();
        client.publish(signer, &order).await
    }))
    .await;
    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    // One address, ten orders in flight: each request its own challenge.
    let developer = &world.roles.app_developer;
    let own = join_all((100..110u64).map(|n| {
        let order = world.sign(
            AppOrder {
                salt: salt(n),
                ..draft.app.clone()
            },
            developer,
        );
        async move { client.publish(developer, &order).await }
    }))
    .await;
    assert!(own.iter().all(Result::is_ok), "{own:?}");

    let apps = client
        .orders(OrderKind::App, &OrderQuery::default())
        .await
        .unwrap();
    assert_eq!(apps.count, 35);
    let requests = client
        .orders(
            OrderKind::Request,
            &OrderQuery {
                min_volume: Some(U256::from(20)),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(requests.count, 6);
}
