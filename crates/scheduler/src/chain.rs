//! What the scheduler reads from the chain, and how it sends its transactions.
//!
//! Every action is read-then-act: the reconciler reads a task's on-chain state before each
//! decision, and gas estimation finds a revert before anything is sent. A transaction is
//! recorded as pending on its tasks between its broadcast and its receipt, so a restarted
//! scheduler waits for it instead of sending a second one.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{Provider, RootProvider};
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::client::send::TxSpec;
use confide_chain::client::{Client, ClientError};

/// The chain client the scheduler uses (it signs for the workerpool's owner).
pub type Chain = Client<RootProvider>;

/// On-chain task statuses (`TaskStatusEnum`).
pub mod status {
    pub const UNSET: u8 = 0;
    pub const ACTIVE: u8 = 1;
    pub const REVEALING: u8 = 2;
    pub const COMPLETED: u8 = 3;
    pub const FAILED: u8 = 4;
}

/// On-chain contribution statuses (`ContributionStatusEnum`).
pub mod contribution {
    pub const UNSET: u8 = 0;
    pub const CONTRIBUTED: u8 = 1;
    pub const PROVED: u8 = 2;
    pub const REJECTED: u8 = 3;
}

/// The time of the latest block (unix s): the clock deadlines are checked against.
pub async fn chain_time(chain: &Chain) -> Result<u64, ClientError> {
    let retry = chain.config().retry;
    let block = retry
        .request("eth_getBlockByNumber", || async {
            chain
                .provider()
                .get_block_by_number(BlockNumberOrTag::Latest)
                .await
        })
        .await?;
    block
        .map(|block| block.header.timestamp)
        .ok_or_else(|| ClientError::Decode {
            what: "the latest block".into(),
            reason: "the node has none".into(),
        })
}

/// The task `id` on-chain.
pub async fn task(chain: &Chain, id: B256) -> Result<Types::Task, ClientError> {
    chain.task(id).await
}

/// `worker`'s contribution to `task`.
pub async fn contribution(
    chain: &Chain,
    task: B256,
    worker: Address,
) -> Result<Types::Contribution, ClientError> {
    chain
        .protocol_view(&IConfide::viewContributionCall {
            _taskid: task,
            _worker: worker,
        })
        .await
}

/// `worker`'s score.
pub async fn score(chain: &Chain, worker: Address) -> Result<U256, ClientError> {
    chain
        .protocol_view(&IConfide::viewScoreCall { _worker: worker })
        .await
}

/// `account`'s free (unlocked) protocol balance.
pub async fn free_stake(chain: &Chain, account: Address) -> Result<U256, ClientError> {
    Ok(chain.account(account).await?.stake)
}

/// Where a transaction the scheduler sent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// Mined; whether it succeeded.
    Mined(bool),
    /// Known to the node, not mined.
    Pending,
    /// Unknown to the node (dropped, or from before a reset chain).
    Unknown,
}

/// Where transaction `hash` stands.
pub async fn tx_state(chain: &Chain, hash: B256) -> Result<TxState, ClientError> {
    let retry = chain.config().retry;
    let provider = chain.provider();
    let receipt = retry
        .request("eth_getTransactionReceipt", || async {
            provider.get_transaction_receipt(hash).await
        })
        .await?;
    if let Some(receipt) = receipt {
        return Ok(TxState::Mined(receipt.status()));
    }
    let known = retry
        .request("eth_getTransactionByHash", || async {
            provider.get_transaction_by_hash(hash).await
        })
        .await?;
    Ok(if known.is_some() {
        TxState::Pending
    } else {
        TxState::Unknown
    })
}

/// Broadcasts `call` to the protocol from `from` (after a gas estimation that finds any
/// revert); returns the transaction hash once the node holds it.
pub async fn submit<C: SolCall>(
    chain: &Chain,
    from: Address,
    call: &C,
) -> Result<B256, ClientError> {
    let spec = TxSpec::call(chain.deployment().protocol, Bytes::from(call.abi_encode()));
    chain.submit(from, &spec, C::SIGNATURE).await
}

/// Whether an error is a revert (the chain refused the action: someone else did it, a
/// deadline moved, a condition is not met yet), as opposed to the node being unreachable.
pub fn is_revert(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Reverted { .. } | ClientError::Failed { .. }
    )
}
