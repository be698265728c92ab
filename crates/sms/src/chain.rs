//! What the SMS reads from the chain. Every decision is taken on these reads, never on what a
//! request claims.

use alloy_primitives::{Address, B256};
use alloy_provider::RootProvider;
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::client::{Client, ClientError};
use confide_protocol::SignedOrder;
use confide_protocol::order::DatasetOrder;

/// The chain client the SMS uses.
pub type Chain = Client<RootProvider>;

/// The on-chain owner of a registered app (zero when the address is not an app).
pub async fn app_owner(chain: &Chain, app: Address) -> Result<Address, ClientError> {
    Ok(chain
        .protocol_view(&IConfide::viewAppCall { app })
        .await?
        .owner)
}

/// The on-chain checksum of an app: the digest of the module it runs.
pub async fn app_checksum(chain: &Chain, app: Address) -> Result<B256, ClientError> {
    Ok(chain
        .protocol_view(&IConfide::viewAppCall { app })
        .await?
        .m_appChecksum)
}

/// The on-chain owner of a registered dataset (zero when the address is not a dataset).
pub async fn dataset_owner(chain: &Chain, dataset: Address) -> Result<Address, ClientError> {
    Ok(chain
        .protocol_view(&IConfide::viewDatasetCall { dataset })
        .await?
        .owner)
}

/// A task and its deal.
#[derive(Debug)]
pub struct TaskOnChain {
    /// The task record.
    pub task: Types::Task,
    /// Its deal (zero-filled when the task does not exist).
    pub deal: Types::Deal,
}

/// Reads `task_id` and its deal.
pub async fn task_and_deal(chain: &Chain, task_id: B256) -> Result<TaskOnChain, ClientError> {
    let task = chain.task(task_id).await?;
    let deal = chain.deal(task.dealid).await?;
    Ok(TaskOnChain { task, deal })
}

/// `Ok(None)` when `order` lets the deal use its dataset (signed by the dataset's owner, not
/// revoked, app, workerpool and requester restrictions and tag satisfied, checked by the
/// protocol's `assertDatasetDealCompatibility`), `Ok(Some(reason))` when it does not.
pub async fn dataset_order_refusal(
    chain: &Chain,
    order: &SignedOrder<DatasetOrder>,
    deal_id: B256,
) -> Result<Option<String>, ClientError> {
    let call = IConfide::assertDatasetDealCompatibilityCall {
        datasetOrder: Types::DatasetOrder::from(order),
        dealId: deal_id,
    };
    match chain.protocol_view(&call).await {
        Ok(_) => Ok(None),
        Err(ClientError::Reverted { revert, .. }) => Ok(Some(revert.to_string())),
        Err(error) => Err(error),
    }
}
