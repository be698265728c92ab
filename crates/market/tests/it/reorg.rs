//! A reorg on anvil (`evm_snapshot`/`evm_revert`, then other blocks) takes back a match the
//! market had applied: the orders it consumed are read again and listed with their volume.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::U256;
use alloy_provider::RootProvider;
use confide_chain::client::deploy::deploy;
use confide_chain::client::{Client, FixtureRoles, http_provider};
use confide_chain::devchain::{DEFAULT_MNEMONIC, derive_accounts};
use confide_chain::scenario::{OrderDraft, Terms};
use confide_market::store::Store;
use confide_market::{Market, MarketClient, MarketConfig, OrderQuery, OrderStatus};
use confide_protocol::SignedOrder;
use confide_protocol::order::OrderKind;
use serde_json::{Value, json};

use crate::world::{client_config, on_both_databases};

struct Anvil {
    url: String,
    child: Child,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// anvil on 127.0.0.1 (`scripts/foundry`), or `None` with a message (a failure under CI).
fn anvil() -> Option<Anvil> {
    let bin = std::env::var_os("CONFIDE_FOUNDRY_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/foundry/bin"),
        PathBuf::from,
    );
    let path = bin.join("anvil");
    if !path.is_file() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing under CI (run scripts/foundry)",
            path.display()
        );
        println!(
            "skipped: anvil not found at {} (run scripts/foundry)",
            path.display()
        );
        return None;
    }
    let mut child = Command::new(path)
        .args(["--port", "0", "--host", "127.0.0.1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("anvil exited").unwrap();
        if let Some(addr) = line.strip_prefix("Listening on ") {
            break addr.trim().to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Some(Anvil {
        url: format!("http://{addr}"),
        child,
    })
}

async fn rpc(client: &Client<RootProvider>, method: &str, params: Value) -> Value {
    use alloy_provider::Provider;
    client
        .provider()
        .raw_request::<_, Value>(method.to_owned().into(), params)
        .await
        .unwrap()
}

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
    let Some(node) = anvil() else { return };
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

    let snapshot = rpc(&chain, "evm_snapshot", json!([])).await;
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
    assert_eq!(
        rpc(&chain, "evm_revert", json!([snapshot])).await,
        json!(true)
    );
    chain.forget_nonce(requester.address()).await;
    for _ in 0..3 {
        rpc(&chain, "evm_mine", json!([])).await;
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
