//! What only the dev chain's server can show here: the node goes away and comes back on the
//! same address; sends and event watchers carry on.

use super::nodes::{Node, NodeKind, confirmed_transfers, fast_config};
use alloy_primitives::U256;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::client::{
    Client, RetryPolicy, WatchUpdate, dev_chain_deployment, http_provider,
};
use confide_chain::deploy::Deployment;
use confide_chain::scenario::RLC;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_genesis_deployment_is_served_and_usable() {
    let node = Node::dev_chain().await;
    let provider = http_provider(&node.url).unwrap();
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
    let values = confirmed_transfers(&mut watcher).await;
    assert_eq!(values, vec![U256::from(2 * RLC)]);
}

/// HTTPS URLs speak TLS (rustls): a listener sees a TLS ClientHello; other schemes are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_urls_speak_tls_and_other_schemes_are_refused() {
    use alloy_provider::Provider;
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let first_bytes = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut header = [0u8; 3];
        stream.read_exact(&mut header).unwrap();
        header
    });
    let provider = http_provider(&format!("https://{addr}")).unwrap();
    let retry = RetryPolicy {
        attempts: 1,
        ..RetryPolicy::default()
    };
    let answer = retry
        .run("eth_chainId", || async { provider.get_chain_id().await })
        .await;
    assert!(answer.is_err());
    // A TLS record of type handshake (0x16), version 3.x.
    let header = first_bytes.join().unwrap();
    assert_eq!(header[..2], [0x16, 0x03], "{header:?}");

    let error = http_provider("ftp://127.0.0.1:21").unwrap_err();
    assert!(
        error.to_string().contains("unsupported URL scheme"),
        "{error}"
    );
    assert!(http_provider("not a url").is_err());
}
