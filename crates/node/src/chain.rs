//! The dev chain (persisted in its journal, like `confide chain dev`) and its JSON-RPC server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::RootProvider;
use alloy_sol_types::SolCall as _;
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::client::{Client, ClientConfig};
use confide_chain::deploy::Deployment;
use confide_chain::devchain::rpc::{RpcConfig, RpcServer, ServeError, SharedChain, serve};
use confide_chain::devchain::{CallRequest, DevChain, DevChainConfig, JOURNAL_FILE};

use crate::NodeError;
use crate::data_dir::{CHAIN_LOCK_FILE, DirLock};

/// A funded dev account (its key is public: development only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundedAccount {
    /// Its index in the dev mnemonic's derivation.
    pub index: usize,
    /// Its address.
    pub address: Address,
    /// Its private key (a public dev key: never use it on a real chain).
    pub private_key: B256,
    /// Ether, in wei.
    pub balance: U256,
    /// RLC in its wallet, in nRLC.
    pub rlc: U256,
}

/// The running chain.
#[derive(Debug)]
pub(crate) struct ChainService {
    chain: SharedChain,
    server: RpcServer,
    deployment: Deployment,
    opened: OpenedChain,
}

/// A chain opened in its directory, which stays locked (as `confide chain dev` locks it) while
/// the node runs.
#[derive(Debug)]
pub(crate) struct OpenedChain {
    reopened: bool,
    _lock: DirLock,
}

/// Opens the chain in `dir` (reloads its journal, else creates it); blocking.
pub(crate) fn open(dir: &Path) -> Result<(DevChain, OpenedChain), NodeError> {
    let lock = DirLock::acquire(dir, CHAIN_LOCK_FILE).map_err(|error| NodeError::Service {
        service: "chain",
        source: Box::new(error),
    })?;
    let reopened = dir.join(JOURNAL_FILE).exists();
    let error = |source| NodeError::Chain {
        path: PathBuf::from(dir),
        source: Box::new(source),
    };
    let chain = DevChain::open(dir, DevChainConfig::default()).map_err(error)?;
    Ok((
        chain,
        OpenedChain {
            reopened,
            _lock: lock,
        },
    ))
}

impl ChainService {
    /// Serves `chain` on `addr` (a block per transaction).
    pub(crate) async fn serve(
        chain: DevChain,
        opened: OpenedChain,
        addr: SocketAddr,
    ) -> Result<Self, NodeError> {
        let deployment = Deployment::new(chain.protocol(), chain.chain_id(), Some(0));
        let chain: SharedChain = Arc::new(Mutex::new(chain));
        let config = RpcConfig {
            addr,
            ..RpcConfig::default()
        };
        let server =
            serve(chain.clone(), config)
                .await
                .map_err(|ServeError::Bind { addr, source }| NodeError::Bind {
                    service: "chain's JSON-RPC",
                    addr,
                    source,
                })?;
        Ok(Self {
            chain,
            server,
            deployment,
            opened,
        })
    }

    /// `http://ADDR`.
    pub(crate) fn url(&self) -> String {
        self.server.url()
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    pub(crate) fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    /// Whether the chain was reloaded from its journal.
    pub(crate) fn reopened(&self) -> bool {
        self.opened.reopened
    }

    /// A client of this chain, signing for none yet.
    pub(crate) async fn client(&self) -> Result<Client<RootProvider>, NodeError> {
        Client::connect_http(
            &self.url(),
            self.deployment.clone(),
            ClientConfig::default(),
        )
        .await
        .map_err(|error| NodeError::service("chain client")(Box::new(error)))
    }

    fn lock(&self) -> MutexGuard<'_, DevChain> {
        self.chain
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The latest block.
    pub(crate) fn block_number(&self) -> u64 {
        self.lock().block_number()
    }

    /// The dev accounts with what they hold now.
    pub(crate) fn accounts(&self) -> Vec<FundedAccount> {
        let chain = self.lock();
        let token = chain.protocol().token;
        let evm = chain.evm();
        chain
            .accounts()
            .iter()
            .enumerate()
            .map(|(index, account)| FundedAccount {
                index,
                address: account.address,
                private_key: account.private_key(),
                balance: evm.balance(account.address),
                rlc: rlc_balance(&chain, token, account.address).unwrap_or_default(),
            })
            .collect()
    }

    /// The dev account `index`'s key.
    pub(crate) fn signer(&self, index: usize) -> Option<alloy_signer_local::PrivateKeySigner> {
        self.lock()
            .accounts()
            .get(index)
            .map(|account| account.signer().clone())
    }

    /// Stops serving (requests in flight finish); the journal is written as each transaction
    /// is mined, so nothing more needs saving.
    pub(crate) async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// `account`'s RLC, read like `eth_call` does (at gas price 0 on the latest state).
fn rlc_balance(chain: &DevChain, token: Address, account: Address) -> Option<U256> {
    let request = CallRequest {
        to: Some(token),
        input: IERC20::balanceOfCall { account }.abi_encode().into(),
        ..CallRequest::default()
    };
    chain
        .call(&request, BlockNumberOrTag::Latest)
        .ok()?
        .decode::<IERC20::balanceOfCall>()
        .ok()
}
