//! What only the dev chain's server can show here: the node goes away and comes back on the
//! same address; sends and event watchers carry on.

use super::nodes::{Node, NodeKind, fast_config};
use alloy_primitives::U256;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::client::{Client, RetryPolicy, WatchUpdate, dev_chain_deployment};
use confide_chain::deploy::Deployment;
use confide_chain::scenario::RLC;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_genesis_deployment_is_served_and_usable() {
    let node = Node::dev_chain().await;
    let provider = alloy_provider::ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(node.url.parse().unwrap());
    let deployment = dev_chain_deployment(&provider, RetryPolicy::default())
        .await
        .unwrap();
    let NodeKind::Dev { chain, .. } = &node.kind else {
        unreachable!()
    };
    let protocol = chain.lock().unwrap().protocol().clone();
    assert_eq!(deployment, Deployment::new(&protocol, 31_337, Some(0)));

    // The genesis funded the dev accounts with its RLC: a client of it works at once.
    let mut client = Client::new(provider, deployment, fast_config())
        .await
        .unwrap();
    let account = node.accounts()[1].signer().clone();
    let from = client.add_signer(account);
    client.deposit(from, U256::from(5 * RLC)).await.unwrap();
    assert_eq!(
        client.account(from).await.unwrap().stake,
        U256::from(5 * RLC)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_and_watchers_survive_a_node_restart() {
    let mut node = Node::dev_chain().await;
    let client = node.deployed_client().await;
    let owner = node.accounts()[0].address;
    let spare = node.accounts()[6].address;
    let token = client.deployment().token;
    let start = client.block_number().await.unwrap() + 1;
    let filter = Filter::new()
        .address(token)
        .event_signature(IERC20::Transfer::SIGNATURE_HASH);
    let mut watcher = client.watch(filter, start, 1);
    let transfer = |value: u64| IERC20::transferCall {
        to: spare,
        value: U256::from(value * RLC),
    };

    client.send(owner, token, &transfer(1)).await.unwrap();
    let Some(WatchUpdate::Logs(logs)) = watcher.poll().await.unwrap() else {
        panic!("the first transfer is confirmed")
    };
    assert_eq!(logs.len(), 1);

    // The server goes away: a poll fails once its retries are spent, without losing its place.
    node.kind.stop_dev_server().await;
    assert!(watcher.poll().await.is_err());
    assert_eq!(watcher.next_block(), start + 1);

    // It comes back while a send is retrying: the send lands, the watcher resumes.
    let restart = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        node.kind.restart_dev_server().await;
    };
    let second = transfer(2);
    let (sent, ()) = tokio::join!(client.send(owner, token, &second), restart);
    sent.unwrap();
    let mut values = Vec::new();
    while let Some(update) = watcher.poll().await.unwrap() {
        let WatchUpdate::Logs(logs) = update else {
            panic!("no reorg on the dev chain")
        };
        values.extend(
            logs.iter()
                .map(|l| l.decode::<IERC20::Transfer>().unwrap().value),
        );
    }
    assert_eq!(values, vec![U256::from(2 * RLC)]);
}
