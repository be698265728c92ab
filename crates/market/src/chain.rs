//! What the market reads from the chain. Each read is one `eth_call` (or `eth_getCode`) on the
//! shared client, concurrent with any other: no lock is held around them.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{Provider, RootProvider};
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide};
use confide_chain::client::{Client, ClientError};
use confide_protocol::order::OrderKind;

/// The chain client the market uses.
pub type Chain = Client<RootProvider>;

/// The registry of assets of `kind` (none for request orders).
pub fn registry(chain: &Chain, kind: OrderKind) -> Option<Address> {
    let deployment = chain.deployment();
    match kind {
        OrderKind::App => Some(deployment.app_registry),
        OrderKind::Dataset => Some(deployment.dataset_registry),
        OrderKind::Workerpool => Some(deployment.workerpool_registry),
        OrderKind::Request => None,
    }
}

/// The owner of the registered `asset` of `kind` (its NFT's holder), `None` when the registry
/// does not hold it. One read: `ownerOf` succeeds exactly for the registry's tokens (ERC-721
/// reverts for others), so `isRegistered` would only add assets of a previous registry, whose
/// owner this registry cannot tell.
pub async fn asset_owner(
    chain: &Chain,
    kind: OrderKind,
    asset: Address,
) -> Result<Option<Address>, ClientError> {
    let Some(registry) = registry(chain, kind) else {
        return Ok(None);
    };
    if asset.is_zero() {
        return Ok(None);
    }
    // The three registries share this function's ABI.
    let call = IAppRegistry::ownerOfCall {
        tokenId: U256::from_be_slice(asset.as_slice()),
    };
    match chain.view(registry, &call).await {
        Ok(owner) if !owner.is_zero() => Ok(Some(owner)),
        Ok(_) | Err(ClientError::Reverted { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// How much of the order `hash` deals consumed (its volume once cancelled).
pub async fn consumed(chain: &Chain, hash: B256) -> Result<U256, ClientError> {
    chain
        .protocol_view(&IConfide::viewConsumedCall { _id: hash })
        .await
}

/// Who presigned the order `hash` (zero when nobody).
pub async fn presigner(chain: &Chain, hash: B256) -> Result<Address, ClientError> {
    chain
        .protocol_view(&IConfide::viewPresignedCall { _id: hash })
        .await
}

/// Whether `account` is a contract (it has code).
pub async fn is_contract(chain: &Chain, account: Address) -> Result<bool, ClientError> {
    let provider = chain.provider();
    let code = chain
        .config()
        .retry
        .request("eth_getCode", || async {
            provider.get_code_at(account).await
        })
        .await?;
    Ok(!code.is_empty())
}

/// Whether the contract `identity` accepts `signature` of `hash` (ERC-1271, through the
/// protocol's `verifySignature`, as `matchOrders` checks it). A revert is a refusal.
pub async fn contract_accepts(
    chain: &Chain,
    identity: Address,
    hash: B256,
    signature: &Bytes,
) -> Result<bool, ClientError> {
    let call = IConfide::verifySignatureCall {
        _0: identity,
        _1: hash,
        _2: signature.clone(),
    };
    match chain.protocol_view(&call).await {
        Ok(valid) => Ok(valid),
        Err(ClientError::Reverted { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}
