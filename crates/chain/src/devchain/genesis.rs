//! The genesis state: the dev accounts funded with ether, Confide deployed and configured by
//! account 0 (RLC token, registries, DataProtector, default categories), and RLC handed out to
//! the other accounts.
//!
//! The deployment runs on a plain [`Evm`] at zero gas price (its transactions are not part of
//! the chain: block 0 only carries the resulting state, like anvil's `--load-state`). It is
//! deterministic: the same configuration and artifacts give the same genesis hash, which the
//! journal records to detect a data directory made by other contracts or settings.

use super::DevChainConfig;
use super::DevChainError;
use super::accounts::{DevAccount, derive_accounts};
use crate::artifacts::bindings::IERC20;
use crate::deploy::{Protocol, deploy_confide};
use crate::evm::{Evm, EvmConfig};
use alloy_sol_types::SolCall;

/// The genesis state and what is in it.
#[derive(Debug)]
pub(crate) struct Genesis {
    pub(crate) evm: Evm,
    pub(crate) accounts: Vec<DevAccount>,
    pub(crate) protocol: Protocol,
}

/// Builds the genesis state for `config` at `timestamp`.
pub(crate) fn build(config: &DevChainConfig, timestamp: u64) -> Result<Genesis, DevChainError> {
    let accounts = derive_accounts(&config.mnemonic, config.accounts.max(1))?;
    let mut evm = Evm::new(EvmConfig {
        chain_id: config.chain_id,
        block_gas_limit: config.block_gas_limit,
        timestamp,
        block_time: 0,
    });
    for account in &accounts {
        evm.set_balance(account.address, config.balance);
    }
    let owner = accounts[0].address;
    let protocol = deploy_confide(&mut evm, owner)?;
    for account in &accounts[1..] {
        let call = IERC20::transferCall {
            to: account.address,
            value: config.rlc_per_account,
        };
        evm.transact(owner, protocol.token, call.abi_encode())
            .and_then(|outcome| outcome.ok())
            .map_err(|e| DevChainError::Genesis(format!("RLC to {}: {e}", account.address)))?;
    }
    Ok(Genesis {
        evm,
        accounts,
        protocol,
    })
}
