//! Confide's SDK: what a data owner, a requester and an app developer do, over the services of
//! a network (chain, storage, SMS, market, indexer). It mirrors DataProtector's methods
//! (`protect_data`, `get_protected_data`, `grant_access`, `get_granted_access`,
//! `revoke_one_access`, `revoke_all_access`, `transfer_ownership`, `process_protected_data`,
//! `get_result_from_completed_task`) with the same status titles, plus the account's RLC and
//! app deployment.
//!
//! ```no_run
//! # async fn run() -> Result<(), confide_sdk::SdkError> {
//! use confide_sdk::{Confide, Network, DataObject};
//! let network = Network::read(&Network::default_path().unwrap())?;
//! let alice = Confide::connect(network, confide_sdk::dev_account(2)?).await?;
//! let data = DataObject::from_json_str(r#"{"name": "Alice"}"#).unwrap();
//! let protected = alice.protect_data(&data, "profile", &mut |_| {}).await?;
//! println!("{}", protected.address);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod access;
mod account;
mod app;
mod client;
mod error;
pub mod network;
mod process;
mod protect;
mod result;
mod status;
mod task;

pub use access::{AccessQuery, Grant, GrantedAccess, RevokedAccess};
pub use account::Balance;
pub use app::{DeployedApp, MAX_APP_BYTES, tee_tag};
pub use client::{Confide, Timing};
pub use confide_crypto::protected_data::DataObject;
pub use confide_crypto::result::ResultKeyPair;
pub use error::SdkError;
pub use network::{Network, NetworkError};
pub use process::{MaxPrices, ProcessRequest, Processed};
pub use protect::{DataQuery, MAX_PROTECTED_BYTES, ProtectedData, Transferred};
pub use result::{MAX_RESULT_BYTES, TaskResult};
pub use status::{OnStatus, Status, Step};
pub use task::{TaskInfo, TaskStatus};

use alloy_signer_local::PrivateKeySigner;

/// `amount` RLC in nRLC, the unit of every price and balance.
pub fn rlc(amount: u64) -> alloy_primitives::U256 {
    alloy_primitives::U256::from(amount) * alloy_primitives::U256::from(1_000_000_000u64)
}

/// Dev account `index` of the dev chain's public mnemonic (for `confide dev` only: anyone can
/// spend from these keys).
pub fn dev_account(index: u32) -> Result<PrivateKeySigner, SdkError> {
    let accounts = confide_chain::devchain::derive_accounts(
        confide_chain::devchain::DEFAULT_MNEMONIC,
        index + 1,
    )
    .map_err(|e| SdkError::Invalid(format!("cannot derive dev account {index}: {e}")))?;
    accounts
        .last()
        .map(|account| account.signer().clone())
        .ok_or_else(|| SdkError::Invalid(format!("no dev account {index}")))
}

/// Amounts (nRLC) and counts in JSON as decimal strings, as people and the market's API read
/// them.
pub(crate) mod decimal {
    use alloy_primitives::U256;

    pub(crate) fn serialize<S: serde::Serializer>(
        value: &U256,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }
}
