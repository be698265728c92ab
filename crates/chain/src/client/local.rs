//! A dev chain served on a loopback port with a client holding every dev account: what the
//! services' tests and the one-process dev stack start from (features `client` and `server`).

use super::{Client, ClientConfig, ClientError, dev_chain_deployment, http_provider};
use crate::devchain::rpc::{RpcConfig, RpcServer, ServeError, serve};
use crate::devchain::{DevChain, DevChainConfig, DevChainError};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Why a local dev chain could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalChainError {
    #[error(transparent)]
    Chain(#[from] DevChainError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A served dev chain; dropping it stops the server.
#[derive(Debug)]
pub struct LocalChain {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The funded dev accounts, in the chain's order (the first deployed the protocol).
    pub accounts: Vec<PrivateKeySigner>,
    server: RpcServer,
}

impl LocalChain {
    /// A fresh in-memory dev chain (blocks mined per transaction) on a free loopback port.
    pub async fn start() -> Result<Self, LocalChainError> {
        Self::start_with(
            DevChainConfig {
                sync: false,
                ..DevChainConfig::default()
            },
            RpcConfig {
                addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                ..RpcConfig::default()
            },
        )
        .await
    }

    /// A dev chain of `chain` served as `rpc` says.
    pub async fn start_with(
        chain: DevChainConfig,
        rpc: RpcConfig,
    ) -> Result<Self, LocalChainError> {
        let chain = DevChain::new(chain)?;
        let accounts = chain
            .accounts()
            .iter()
            .map(|a| a.signer().clone())
            .collect();
        let server = serve(Arc::new(Mutex::new(chain)), rpc).await?;
        Ok(Self {
            url: format!("http://{}", server.local_addr()),
            accounts,
            server,
        })
    }

    /// The server (its address; stop it early with [`RpcServer::shutdown`]).
    pub fn server(&self) -> &RpcServer {
        &self.server
    }

    /// A client of this chain with no signer.
    pub async fn reader(&self, config: ClientConfig) -> Result<Client<RootProvider>, ClientError> {
        let provider = http_provider(&self.url)?;
        let deployment = dev_chain_deployment(&provider, config.retry).await?;
        Client::new(provider, deployment, config).await
    }

    /// A client of this chain that signs for every dev account.
    pub async fn client(&self, config: ClientConfig) -> Result<Client<RootProvider>, ClientError> {
        let mut client = self.reader(config).await?;
        for account in &self.accounts {
            client.add_signer(account.clone());
        }
        Ok(client)
    }
}
