//! What a client call can fail with.

use crate::deploy::DeployError;
use crate::evm::{ProtocolRevert, Revert};
use alloy_json_rpc::RpcError;
use alloy_primitives::{Address, B256};
use alloy_transport::TransportErrorKind;
use confide_protocol::matching::MatchCheck;
use std::time::Duration;

/// A JSON-RPC failure (transport or error response).
pub type RpcFailure = RpcError<TransportErrorKind>;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The call or transaction reverts: nothing was sent (found by `eth_call` or gas
    /// estimation), no nonce was used.
    #[error("{what} {revert}")]
    Reverted {
        /// The function or step.
        what: String,
        /// The revert, named ([`Revert::explain`]).
        revert: Box<ProtocolRevert>,
    },
    /// The transaction was mined but failed (status 0). The revert is the one a replay of the
    /// call against the latest state gives, when it still reverts.
    #[error("{what}: transaction {hash} failed in block {block} ({gas_used} gas){}", revert.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Failed {
        /// The function or step.
        what: String,
        /// The transaction.
        hash: B256,
        /// Its block.
        block: u64,
        /// Gas it used.
        gas_used: u64,
        /// Why, when a replay tells.
        revert: Option<Box<ProtocolRevert>>,
    },
    /// The node refused or failed a request (after retries, when transient).
    #[error("{method}: {source}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// The failure.
        source: RpcFailure,
    },
    /// The sender has no key in this client.
    #[error("no signer for {0} in this client")]
    UnknownSigner(Address),
    /// A transaction cannot be built or signed.
    #[error("cannot sign the transaction: {0}")]
    Signing(String),
    /// The transaction was not mined in time (it may still be).
    #[error("transaction {hash} not mined after {waited:?}")]
    ReceiptTimeout {
        /// The transaction.
        hash: B256,
        /// How long the client waited.
        waited: Duration,
    },
    /// An answer or a log does not decode as the ABI says.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was decoded.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The node serves another chain than the deployment's.
    #[error("the node serves chain {got}, the deployment is on chain {expected}")]
    WrongChain {
        /// The deployment's chain id.
        expected: u64,
        /// The node's.
        got: u64,
    },
    /// A deployment cannot be planned or does not land as planned.
    #[error(transparent)]
    Deploy(#[from] DeployError),
}

impl ClientError {
    /// The revert, when the call reverted (before or after mining).
    pub fn revert(&self) -> Option<&ProtocolRevert> {
        match self {
            Self::Reverted { revert, .. } => Some(revert),
            Self::Failed { revert, .. } => revert.as_deref(),
            _ => None,
        }
    }

    /// The `matchOrders` check that failed, when that is the error.
    pub fn match_check(&self) -> Option<MatchCheck> {
        match self.revert()? {
            ProtocolRevert::MatchOrders(check) => Some(*check),
            _ => None,
        }
    }

    /// The raw revert, to decode a custom error with [`Revert::custom`].
    pub fn raw_revert(&self) -> Option<&Revert> {
        match self.revert()? {
            ProtocolRevert::Custom { revert, .. } | ProtocolRevert::Other(revert) => Some(revert),
            _ => None,
        }
    }

    pub(crate) fn rpc(method: &'static str) -> impl FnOnce(RpcFailure) -> Self {
        move |source| Self::Rpc { method, source }
    }
}
