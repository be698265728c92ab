//! A node on free loopback ports in a temporary directory: every service answers, the workers
//! register, the network file is written, and a restart finds the same state.
#![allow(clippy::unwrap_used)]

mod walkthrough;

use std::time::Duration;

use confide_node::{Node, NodeConfig, NodeError, Ports};
use confide_sdk::Network;
use serde_json::{Value, json};

fn config(dir: &std::path::Path) -> NodeConfig {
    NodeConfig {
        ports: Ports::any(),
        ..NodeConfig::new(dir)
    }
}

fn http() -> reqwest::Client {
    confide_chain::client::install_tls_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn get(client: &reqwest::Client, url: String) -> String {
    let response = client.get(&url).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    serde_json::from_str(&get(client, url).await).unwrap()
}

async fn block_number(client: &reqwest::Client, rpc: &str) -> u64 {
    let response = client
        .post(rpc)
        .header("content-type", "application/json")
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let hex = answer["result"].as_str().unwrap();
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_serves_every_service_and_restarts_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let client = http();

    let node = Node::start(config(dir.path())).await.unwrap();
    let network = node.network().clone();
    assert!(!node.reopened());

    // The network file is the node's network.
    assert_eq!(node.network_file(), dir.path().join("network.json"));
    assert_eq!(Network::read(node.network_file()).unwrap(), network);
    assert_eq!(network.chain_id(), 31_337);
    assert_eq!(network.workerpool, Some(node.workerpool()));

    // Every service answers.
    let blocks = block_number(&client, &network.rpc).await;
    assert_eq!(blocks, node.block_number());
    assert!(blocks > 0, "the workerpool and the stakes were mined");
    let version = client
        .post(format!("{}/api/v0/version", network.storage))
        .send()
        .await
        .unwrap();
    assert!(version.status().is_success(), "{}", version.status());
    for url in [&network.sms, &network.market, &network.indexer] {
        get(&client, format!("{url}/health")).await;
    }
    let scheduler = network.scheduler.clone().unwrap();
    let health = get_json(&client, format!("{scheduler}/health")).await;
    assert_eq!(
        health["workerpool"].as_str().unwrap().to_lowercase(),
        node.workerpool().to_string().to_lowercase()
    );

    // The workers registered with the scheduler (TEE workers, through the simulator).
    let listed = get_json(&client, format!("{scheduler}/workers")).await;
    let mut registered: Vec<String> = listed["workers"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|worker| assert_eq!(worker["tee"], true, "{worker}"))
        .map(|worker| worker["worker"].as_str().unwrap().to_lowercase())
        .collect();
    registered.sort();
    let mut expected: Vec<String> = node
        .workers()
        .iter()
        .map(|worker| worker.to_string().to_lowercase())
        .collect();
    expected.sort();
    assert_eq!(registered, expected);
    assert_eq!(expected.len(), 2);

    // The dev accounts are funded.
    let accounts = node.accounts();
    assert_eq!(accounts.len(), 10);
    assert!(
        accounts.iter().all(|account| !account.rlc.is_zero()),
        "{accounts:?}"
    );

    // A second node on the same directory is refused while the first runs.
    let refused = Node::start(config(dir.path())).await.unwrap_err();
    assert!(matches!(refused, NodeError::Locked { .. }), "{refused}");
    // So is a `confide chain dev` on its chain.
    let chain_dir = dir.path().join("chain");
    let refused = confide_node::DirLock::acquire(&chain_dir, confide_node::CHAIN_LOCK_FILE);
    assert!(
        matches!(refused, Err(confide_node::DirLockError::Locked { .. })),
        "{refused:?}"
    );

    let workerpool = node.workerpool();
    node.shutdown().await;

    // A restart reloads the chain and runs the same workerpool.
    let node = Node::start(config(dir.path())).await.unwrap();
    assert!(node.reopened());
    assert_eq!(node.workerpool(), workerpool);
    assert!(node.block_number() >= blocks, "the chain went back");
    assert_eq!(
        block_number(&client, &node.network().rpc).await,
        node.block_number()
    );
    assert_eq!(node.network().deployment, network.deployment);
    node.shutdown().await;

    // --reset starts a new chain and registers a new pool.
    let node = Node::start(NodeConfig {
        reset: true,
        workers: 1,
        ..config(dir.path())
    })
    .await
    .unwrap();
    assert!(!node.reopened());
    assert_eq!(node.workers().len(), 1);
    node.shutdown().await;
}

#[tokio::test]
async fn more_workers_than_dev_accounts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = Node::start(NodeConfig {
        workers: 6,
        ..config(dir.path())
    })
    .await
    .unwrap_err();
    assert!(matches!(error, NodeError::TooManyWorkers { .. }), "{error}");
}
