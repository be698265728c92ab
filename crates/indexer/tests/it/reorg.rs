//! A reorg deeper than the confirmations (anvil: `evm_snapshot`/`evm_revert`, then other
//! blocks) retracts the rows of the dropped blocks; the new chain's logs are indexed in their
//! place, as a fresh indexer of the new chain sees them. Skipped when anvil is not installed
//! (`scripts/foundry`), a failure under `CI=true`.

use std::sync::Arc;

use alloy_primitives::{Address, U256};
use alloy_provider::RootProvider;
use confide_chain::client::anvil::Anvil;
use confide_chain::client::deploy::deploy;
use confide_chain::client::{Client, http_provider};
use confide_chain::devchain::{DEFAULT_MNEMONIC, derive_accounts};
use confide_indexer::model::ProtectedData;
use confide_indexer::query::{Paging, SchemaFilter};
use confide_indexer::{FollowConfig, Follower, Step, Store};
use serde_json::json;

use crate::views::snapshot;
use crate::world::{fast_config, follow_config, protect};

on_both_databases!(a_reorg_retracts_the_rows_of_the_dropped_blocks);

async fn names(store: &Store) -> Vec<String> {
    let all = Paging {
        page: 0,
        page_size: 1000,
    };
    let page = store
        .protected_data(None, &SchemaFilter::default(), None, all)
        .await
        .unwrap();
    page.items
        .into_iter()
        .map(|p: ProtectedData| p.name)
        .collect()
}

async fn a_reorg_retracts_the_rows_of_the_dropped_blocks(url: &str) {
    let Some(anvil) = Anvil::start() else { return };
    let accounts = derive_accounts(DEFAULT_MNEMONIC, 10).unwrap();
    let mut chain = deploy(
        http_provider(&anvil.url).unwrap(),
        accounts[0].signer().clone(),
        fast_config(),
    )
    .await
    .unwrap();
    for account in &accounts[1..] {
        chain.add_signer(account.signer().clone());
    }
    let owner = accounts[1].address;
    let other = accounts[2].address;
    protect(&chain, owner, "kept", r#"{"email":"string"}"#).await;
    let new_follower = |database: &str| {
        let deployment = chain.deployment().clone();
        let rpc = anvil.url.clone();
        let database = database.to_owned();
        async move {
            let reader = Client::new(http_provider(&rpc).unwrap(), deployment, fast_config())
                .await
                .unwrap();
            let config = FollowConfig {
                confirmations: 2,
                ..follow_config()
            };
            Follower::<RootProvider>::new(
                Arc::new(reader),
                Store::open(&database).await.unwrap(),
                config,
            )
        }
    };
    anvil.rpc("evm_mine", json!([])).await;
    let indexer = new_follower(url).await;
    let mut following = indexer.start().await.unwrap();
    following.catch_up().await.unwrap();
    assert_eq!(names(indexer.store()).await, ["kept"]);

    let snapshot_block = chain.block_number().await.unwrap();
    let snapshot_id = anvil.rpc("evm_snapshot", json!([])).await;
    protect(&chain, owner, "dropped", r#"{"picture":"image/png"}"#).await;
    chain
        .deposit(accounts[0].address, U256::from(5))
        .await
        .unwrap();
    anvil.rpc("evm_mine", json!([])).await;
    following.catch_up().await.unwrap();
    assert_eq!(names(indexer.store()).await, ["dropped", "kept"]);
    let dropped_rows = indexer.store().row_counts().await.unwrap();

    // The chain is rewound below the delivered blocks and grows differently.
    assert_eq!(
        anvil.rpc("evm_revert", json!([snapshot_id])).await,
        json!(true)
    );
    chain.forget_nonce(owner).await;
    chain.forget_nonce(accounts[0].address).await;
    anvil.rpc("evm_mine", json!([])).await;
    protect(&chain, other, "replacement", r#"{"picture":"image/jpeg"}"#).await;
    for _ in 0..3 {
        anvil.rpc("evm_mine", json!([])).await;
    }
    let step = following.step().await.unwrap();
    assert!(
        matches!(step, Step::Retracted { from_block, rows } if from_block == snapshot_block && rows > 0),
        "{step:?}, snapshot at {snapshot_block}"
    );
    following.catch_up().await.unwrap();
    assert_eq!(names(indexer.store()).await, ["replacement", "kept"]);
    assert!(indexer.store().row_counts().await.unwrap() != dropped_rows);

    // As a fresh indexer of the new chain sees it.
    let fresh = new_follower("sqlite::memory:").await;
    fresh.start().await.unwrap().catch_up().await.unwrap();
    let accounts: Vec<Address> = accounts.iter().map(|a| a.address).collect();
    assert_eq!(
        snapshot(indexer.store(), &accounts).await,
        snapshot(fresh.store(), &accounts).await
    );
}
