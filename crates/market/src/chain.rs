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
/// does not hold it.
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
    let token_id = U256::from_be_slice(asset.as_slice());
    // The three registries share these functions' ABI.
    let registered = IAppRegistry::isRegisteredCall { entry: asset };
    let owner = IAppRegistry::ownerOfCall { tokenId: token_id };
    let (registered, owner) = tokio::join!(
        chain.view(registry, &registered),
        chain.view(registry, &owner)
    );
    if !registered? {
        return Ok(None);
    }
    match owner {
        Ok(owner) => Ok(Some(owner)),
        // Registered in a previous registry only: not an asset this deployment's orders use.
        Err(ClientError::Reverted { .. }) => Ok(None),
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
