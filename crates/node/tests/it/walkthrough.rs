//! The SDK walkthrough of `examples/walkthrough.rs`, on a node: a TEE task end to end through
//! the network the node describes (gateway, SMS, market, indexer, scheduler, workers).

#[path = "../../../../examples/walkthrough.rs"]
#[allow(dead_code, unreachable_pub, clippy::expect_used)]
mod example;

use confide_node::Node;
use confide_sdk::SdkError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_walkthrough_runs_on_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(super::config(dir.path())).await.unwrap();
    let (summary, refused) = example::walkthrough(node.network().clone()).await.unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["column"], "salary");
    assert_eq!(summary["count"], 2);
    assert_eq!(summary["median"], 56500);
    assert_eq!(summary["min"], 52000);
    assert!(matches!(refused, SdkError::NoAccess { .. }), "{refused}");
    node.shutdown().await;
}
