//! The nodes the client is tested against, and a deployed client on them.

use alloy_provider::{Provider, RootProvider};
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::client::anvil::Anvil;
use confide_chain::client::{
    Client, ClientConfig, EventWatcher, WatchUpdate, deploy::deploy, http_provider,
};
use confide_chain::devchain::rpc::{RpcConfig, RpcServer, SharedChain, serve};
use confide_chain::devchain::{
    DEFAULT_MNEMONIC, DevAccount, DevChain, DevChainConfig, derive_accounts,
};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running node; stops when dropped.
pub(crate) struct Node {
    pub(crate) url: String,
    pub(crate) kind: NodeKind,
}

pub(crate) enum NodeKind {
    Dev {
        chain: SharedChain,
        server: Option<RpcServer>,
        addr: SocketAddr,
    },
    /// The process, killed on drop.
    Anvil(#[allow(dead_code)] Anvil),
}

impl Node {
    /// The dev chain (in memory) behind its JSON-RPC server on 127.0.0.1.
    pub(crate) async fn dev_chain() -> Self {
        let chain = DevChain::new(DevChainConfig {
            sync: false,
            ..DevChainConfig::default()
        })
        .unwrap();
        let chain = Arc::new(Mutex::new(chain));
        let server = serve(
            chain.clone(),
            RpcConfig {
                addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                ..RpcConfig::default()
            },
        )
        .await
        .unwrap();
        let addr = server.local_addr();
        Self {
            url: format!("http://{addr}"),
            kind: NodeKind::Dev {
                chain,
                server: Some(server),
                addr,
            },
        }
    }

    /// anvil on 127.0.0.1 with a free port (same mnemonic and chain id as the dev chain), or
    /// `None` with a message when it is not installed.
    pub(crate) fn anvil() -> Option<Self> {
        let anvil = Anvil::start()?;
        Some(Self {
            url: anvil.url.clone(),
            kind: NodeKind::Anvil(anvil),
        })
    }

    /// The ten dev accounts (anvil's mnemonic: funded on both nodes).
    pub(crate) fn accounts(&self) -> Vec<DevAccount> {
        derive_accounts(DEFAULT_MNEMONIC, 10).unwrap()
    }

    /// A raw JSON-RPC call (for `evm_mine` and other node controls).
    /// The answer is shaped as JSON-RPC's: `{"result": …}` or `{"error": …}`.
    pub(crate) async fn rpc(&self, method: &str, params: Value) -> Value {
        let provider = http_provider(&self.url).unwrap();
        match provider
            .raw_request::<_, Value>(method.to_owned().into(), params)
            .await
        {
            Ok(result) => json!({ "result": result }),
            Err(error) => json!({ "error": error.to_string() }),
        }
    }

    /// Mines `n` empty blocks.
    pub(crate) async fn mine(&self, n: u64) {
        for _ in 0..n {
            let answer = self.rpc("evm_mine", json!([])).await;
            assert!(answer.get("error").is_none(), "evm_mine: {answer}");
        }
    }

    /// A fresh deployment of Confide by dev account 0, and a client signing for the ten dev
    /// accounts.
    pub(crate) async fn deployed_client(&self) -> Client<RootProvider> {
        let provider = http_provider(&self.url).unwrap();
        let accounts = self.accounts();
        let mut client = deploy(provider, accounts[0].signer().clone(), fast_config())
            .await
            .unwrap();
        for account in &accounts[1..] {
            client.add_signer(account.signer().clone());
        }
        client
    }
}

/// Polls fast: nodes here are local.
pub(crate) fn fast_config() -> ClientConfig {
    ClientConfig {
        poll_interval: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

impl NodeKind {
    /// The dev chain's server is stopped; the chain stays (for reconnect tests).
    pub(crate) async fn stop_dev_server(&mut self) {
        if let NodeKind::Dev { server, .. } = self
            && let Some(server) = server.take()
        {
            server.shutdown().await;
        }
    }

    /// The dev chain's server is started again on the same address.
    pub(crate) async fn restart_dev_server(&mut self) {
        if let NodeKind::Dev {
            chain,
            server,
            addr,
        } = self
        {
            *server = Some(
                serve(
                    chain.clone(),
                    RpcConfig {
                        addr: *addr,
                        ..RpcConfig::default()
                    },
                )
                .await
                .unwrap(),
            );
        }
    }
}

/// Polls `watcher` until nothing new is confirmed; the values of the RLC transfers delivered
/// (a reorg fails the test).
pub(crate) async fn confirmed_transfers(
    watcher: &mut EventWatcher<'_, RootProvider>,
) -> Vec<alloy_primitives::U256> {
    let mut values = Vec::new();
    while let Some(update) = watcher.poll().await.unwrap() {
        let WatchUpdate::Logs(logs) = update else {
            panic!("unexpected {update:?}")
        };
        values.extend(
            logs.iter()
                .map(|l| l.decode::<IERC20::Transfer>().unwrap().value),
        );
    }
    values
}
