//! The protocol deployed on any node: the plan of the in-process deployer
//! ([`deploy_confide`] on a [`DeployPlan`]), sent transaction by transaction, each creation
//! checked to land at the planned address.

use super::send::TxSpec;
use super::{Client, ClientConfig, ClientError};
use crate::deploy::{DeployError, DeployPlan, Deployment, deploy_confide};
use alloy_primitives::TxKind;
use alloy_provider::Provider;
use alloy_signer_local::PrivateKeySigner;

/// Deploys and configures Confide with `deployer` (who owns the protocol and gets the 87 M RLC
/// of the token), and returns a client of the new deployment with `deployer` as a signer.
pub async fn deploy<P: Provider>(
    provider: P,
    deployer: PrivateKeySigner,
    config: ClientConfig,
) -> Result<Client<P>, ClientError> {
    let owner = deployer.address();
    let retry = config.retry;
    let chain_id = retry
        .request("eth_chainId", || async { provider.get_chain_id().await })
        .await?;
    let first_nonce = retry
        .request("eth_getTransactionCount", || async {
            provider.get_transaction_count(owner).pending().await
        })
        .await?;
    let mut plan = DeployPlan::new(owner, first_nonce);
    let protocol = deploy_confide(&mut plan, owner)?;

    let mut client =
        Client::new(provider, Deployment::new(&protocol, chain_id, None), config).await?;
    client.add_signer(deployer);
    let mut last_block = None;
    for tx in plan.txs() {
        let spec = TxSpec {
            to: tx.to.map_or(TxKind::Create, TxKind::Call),
            ..TxSpec::create(tx.input.clone())
        };
        let mined = client.send_tx(owner, spec, &tx.step).await?;
        if mined.receipt.contract_address != tx.creates {
            return Err(DeployError::Plan(format!(
                "{}: created {:?}, planned {:?} (was nonce {} of {owner} used by someone else?)",
                tx.step, mined.receipt.contract_address, tx.creates, tx.nonce
            ))
            .into());
        }
        tracing::info!(step = %tx.step, block = mined.block(), gas = mined.gas_used(), "deployed");
        last_block = Some(mined.block());
    }
    client.deployment.block = last_block;
    Ok(client)
}
