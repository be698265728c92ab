//! What only anvil can show here: a reorg (`evm_snapshot`/`evm_revert`, then other blocks),
//! deeper than the watcher's confirmations, seen also by a watcher resumed from a checkpoint.

use super::nodes::{Node, confirmed_transfers};
use alloy_primitives::U256;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::client::WatchUpdate;
use confide_chain::scenario::RLC;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_reports_a_reorg_and_delivers_the_new_chain() {
    let Some(node) = Node::anvil() else { return };
    let client = node.deployed_client().await;
    let owner = node.accounts()[0].address;
    let token = client.deployment().token;
    let transfer = |to_index: usize, value: u64| IERC20::transferCall {
        to: node.accounts()[to_index].address,
        value: U256::from(value * RLC),
    };
    let start = client.block_number().await.unwrap() + 1;
    let filter = Filter::new()
        .address(token)
        .event_signature(IERC20::Transfer::SIGNATURE_HASH);
    let mut watcher = client.watch(filter.clone(), start, 2);

    let snapshot = node.rpc("evm_snapshot", json!([])).await["result"].clone();
    client.send(owner, token, &transfer(6, 1)).await.unwrap();
    node.mine(1).await;
    let Some(WatchUpdate::Logs(logs)) = watcher.poll().await.unwrap() else {
        panic!("the transfer has 2 confirmations")
    };
    assert_eq!(logs.len(), 1);
    let delivered_block = logs[0].block_number();
    // A service stores the checkpoint with what it applied; restarted, it resumes from it.
    let stored = serde_json::to_string(&watcher.checkpoint()).unwrap();
    let mut resumed = client.resume_watch(filter, serde_json::from_str(&stored).unwrap(), 2);

    // The chain is rewound and grows differently: another transfer, then enough blocks.
    let reverted = node.rpc("evm_revert", json!([snapshot])).await;
    assert_eq!(reverted["result"], json!(true), "{reverted}");
    client.forget_nonce(owner).await;
    node.mine(1).await;
    client.send(owner, token, &transfer(7, 5)).await.unwrap();
    node.mine(2).await;

    assert!(delivered_block >= start);
    for watcher in [&mut watcher, &mut resumed] {
        let update = watcher.poll().await.unwrap();
        assert_eq!(update, Some(WatchUpdate::Reorg { from_block: start }));
        let values = confirmed_transfers(watcher).await;
        assert_eq!(values, vec![U256::from(5 * RLC)]);
    }
}
