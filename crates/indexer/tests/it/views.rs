//! Everything an indexer serves, as one JSON value: two indexers of the same chain must give
//! equal values.

use alloy_primitives::Address;
use confide_indexer::Store;
use confide_indexer::model::AssetKind;
use confide_indexer::query::{Paging, SchemaFilter};
use serde_json::{Value, json};

const ALL: Paging = Paging {
    page: 0,
    page_size: 1000,
};

/// Every view of `store` (and the escrow accounts of `accounts`), with its row counts.
pub(crate) async fn snapshot(store: &Store, accounts: &[Address]) -> Value {
    let protected = store
        .protected_data(None, &SchemaFilter::default(), None, ALL)
        .await
        .unwrap();
    assert!(!protected.has_more);
    let mut assets = Vec::new();
    for kind in [AssetKind::App, AssetKind::Dataset, AssetKind::Workerpool] {
        assets.push(store.assets(kind, None, ALL).await.unwrap());
    }
    let deals = store.deals(None, None, None, None, ALL).await.unwrap();
    let tasks = store
        .tasks(None, None, None, None, None, None, ALL)
        .await
        .unwrap();
    let mut details = Vec::new();
    for task in &tasks.items {
        details.push(store.task(task.task_id).await.unwrap().unwrap());
    }
    let mut balances = Vec::new();
    for account in accounts {
        balances.push(store.account(*account).await.unwrap());
    }
    json!({
        "protectedData": protected,
        "assets": assets,
        "deals": deals,
        "tasks": tasks,
        "taskDetails": details,
        "accounts": balances,
        "rows": store.row_counts().await.unwrap(),
    })
}
