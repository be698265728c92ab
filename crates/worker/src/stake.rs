//! Keeping a worker's free stake at a level: before a replicated contribution (the deal's
//! worker stake) and at start (`confide worker --stake`).

use alloy_primitives::{Address, U256};
use alloy_provider::RootProvider;
use confide_chain::client::{Client, ClientError};

/// Why the stake could not be topped up.
#[derive(Debug, thiserror::Error)]
pub enum StakeError {
    /// The chain could not be read.
    #[error("{doing}: {source}")]
    Chain {
        /// What was being read.
        doing: &'static str,
        /// Why it failed.
        source: ClientError,
    },
    /// The wallet lacks the RLC to deposit.
    #[error(
        "a stake of {required} nRLC is needed; the worker has {free} nRLC free and {wallet} nRLC in its wallet"
    )]
    Short {
        /// The stake wanted.
        required: U256,
        /// The free stake.
        free: U256,
        /// The wallet's RLC.
        wallet: U256,
    },
    /// The deposit failed.
    #[error("depositing {missing} nRLC: {source}")]
    Deposit {
        /// What was to be deposited.
        missing: U256,
        /// Why it failed.
        source: ClientError,
    },
}

/// Deposits from `worker`'s wallet what its free stake lacks of `required`; returns the amount
/// deposited (zero when the stake was enough).
pub async fn top_up_stake(
    chain: &Client<RootProvider>,
    worker: Address,
    required: U256,
) -> Result<U256, StakeError> {
    if required.is_zero() {
        return Ok(U256::ZERO);
    }
    let read = |doing| move |source| StakeError::Chain { doing, source };
    let free = chain
        .account(worker)
        .await
        .map_err(read("reading the worker's account"))?
        .stake;
    if free >= required {
        return Ok(U256::ZERO);
    }
    let missing = required - free;
    let wallet = chain
        .rlc_balance(worker)
        .await
        .map_err(read("reading the worker's RLC"))?;
    if wallet < missing {
        return Err(StakeError::Short {
            required,
            free,
            wallet,
        });
    }
    tracing::info!(%worker, amount = %missing, "depositing stake");
    chain
        .deposit(worker, missing)
        .await
        .map_err(|source| StakeError::Deposit { missing, source })?;
    Ok(missing)
}
