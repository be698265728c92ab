//! A reorg on anvil (`evm_snapshot`/`evm_revert`, then other blocks) takes back a match the
//! market had applied: the orders it consumed are read again and listed with their volume.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::U256;
use alloy_provider::RootProvider;
use confide_chain::client::anvil::Anvil;
use confide_chain::client::deploy::deploy;
use confide_chain::client::{Client, FixtureRoles, http_provider};
use confide_chain::devchain::{DEFAULT_MNEMONIC, derive_accounts};
use confide_chain::scenario::{OrderDraft, Terms};
use confide_market::store::Store;
use confide_market::{Market, MarketClient, MarketConfig, OrderQuery, OrderStatus};
use confide_protocol::SignedOrder;
use confide_protocol::order::OrderKind;
use serde_json::json;

use crate::world::{client_config, on_both_databases};

async fn synced(market: &Market, chain: &Client<RootProvider>) {
    let head = chain.block_number().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while market.watched_block() <= head {
        assert!(
            Instant::now() < deadline,
            "the market did not reach block {head}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

on_both_databases!(a_reorged_match_is_taken_back);

async fn a_reorged_match_is_taken_back(database: String) {
    let Some(node) = Anvil::start() else { return };
    let accounts = derive_accounts(DEFAULT_MNEMONIC, 10).unwrap();
    let provider = http_provider(&node.url).unwrap();
    let mut chain = deploy(provider, accounts[0].signer().clone(), client_config())
        .await
        .unwrap();
    for account in &accounts[1..] {
        chain.add_signer(account.signer().clone());
    }
    let signer = |i: usize| accounts[i].signer().clone();
    let (developer, data_owner, scheduler, requester) =
        (signer(1), signer(2), signer(3), signer(5));
    let roles = FixtureRoles {
        funder: accounts[0].address,
        app_developer: developer.address(),
        data_owner: data_owner.address(),
        scheduler: scheduler.address(),
        requester: requester.address(),
    };
    let assets = chain
        .register_tee_fixture(&roles, alloy_primitives::keccak256("app"))
        .await
        .unwrap();
    let reader = Client::new(
        http_provider(&node.url).unwrap(),
        chain.deployment().clone(),
        client_config(),
    )
    .await
    .unwrap();
    let market = Arc::new(Market::new(
        Store::open(&database).await.unwrap(),
        reader,
        MarketConfig {
            poll_interval: Duration::from_millis(20),
            ..MarketConfig::default()
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = confide_market::serve(listener, market.clone())
        .await
        .unwrap();
    let client =
        MarketClient::new(&format!("http://{}", server.local_addr()), chain.chain_id()).unwrap();

    let domain = chain.domain();
    let mut draft = OrderDraft::new(&assets, &Terms::tee(), requester.address());
    draft.app.volume = U256::from(3);
    let app = SignedOrder::sign(draft.app, &domain, &developer).unwrap();
    let dataset = SignedOrder::sign(draft.dataset.unwrap(), &domain, &data_owner).unwrap();
    let workerpool = SignedOrder::sign(draft.workerpool, &domain, &scheduler).unwrap();
    let request = SignedOrder::sign(draft.request, &domain, &requester).unwrap();
    let app_hash = client.publish(&developer, &app).await.unwrap();
    let dataset_hash = client.publish(&data_owner, &dataset).await.unwrap();
    client.publish(&scheduler, &workerpool).await.unwrap();
    client.publish(&requester, &request).await.unwrap();
    synced(&market, &chain).await;

    let snapshot = node.rpc("evm_snapshot", json!([])).await;
    chain
        .match_orders(
            requester.address(),
            &app,
            Some(&dataset),
            &workerpool,
            &request,
        )
        .await
        .unwrap();
    synced(&market, &chain).await;
    let matched = client
        .order(OrderKind::App, app_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(matched.remaining, U256::from(2));
    let filled = client
        .order(OrderKind::Dataset, dataset_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(filled.status, OrderStatus::Filled);

    // The chain forgets the match and grows past it with other blocks.
    assert_eq!(node.rpc("evm_revert", json!([snapshot])).await, json!(true));
    chain.forget_nonce(requester.address()).await;
    for _ in 0..3 {
        node.rpc("evm_mine", json!([])).await;
    }
    synced(&market, &chain).await;
    let restored = client
        .order(OrderKind::App, app_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (restored.remaining, restored.status),
        (U256::from(3), OrderStatus::Open)
    );
    let listed = client
        .orders(OrderKind::Dataset, &OrderQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.orders[0].order_hash, dataset_hash);
    assert_eq!(listed.orders[0].remaining, U256::from(1));
}
