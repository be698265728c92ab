//! The account's RLC: in the wallet, deposited in the protocol (what tasks are paid from), and
//! locked by running deals.

use alloy_primitives::{Address, B256, U256};
use confide_chain::artifacts::bindings::IConfide;
use serde::Serialize;

use crate::{Confide, SdkError};

/// An account's RLC (nRLC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    pub address: Address,
    /// In the wallet (ERC-20), not yet deposited.
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub wallet: U256,
    /// Deposited and free: what tasks are paid from, and what is earned.
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub stake: U256,
    /// Locked by deals not yet settled.
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub locked: U256,
}

impl Confide {
    /// The RLC of `address` (this account's when `None`).
    pub async fn balance(&self, address: Option<Address>) -> Result<Balance, SdkError> {
        let address = address.unwrap_or_else(|| self.address());
        let wallet = self.chain.rlc_balance(address).await?;
        let account = self.chain.account(address).await?;
        Ok(Balance {
            address,
            wallet,
            stake: account.stake,
            locked: account.locked,
        })
    }

    /// Deposits `amount` nRLC of the wallet into the account; returns the transaction.
    pub async fn deposit(&self, amount: U256) -> Result<B256, SdkError> {
        let balance = self.balance(None).await?;
        if balance.wallet < amount {
            return Err(SdkError::Invalid(format!(
                "insufficient balance: the wallet of {} holds {} nRLC, {amount} nRLC cannot be deposited",
                balance.address, balance.wallet
            )));
        }
        Ok(self.chain.deposit(self.address(), amount).await?.hash())
    }

    /// Withdraws `amount` nRLC of the account's free stake to the wallet; returns the
    /// transaction.
    pub async fn withdraw(&self, amount: U256) -> Result<B256, SdkError> {
        let balance = self.balance(None).await?;
        if balance.stake < amount {
            return Err(SdkError::Invalid(format!(
                "insufficient balance: the account of {} holds {} nRLC free ({} locked), {amount} nRLC cannot be withdrawn",
                balance.address, balance.stake, balance.locked
            )));
        }
        let mined = self
            .chain
            .protocol_send(self.address(), &IConfide::withdrawCall(amount))
            .await?;
        Ok(mined.hash())
    }
}
