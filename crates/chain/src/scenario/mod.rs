//! A harness that drives either implementation of the protocol (a [`Protocol`] on an [`Evm`])
//! through the `IConfide` bindings: the tests' scenarios, the CLI's gas report and the dev
//! chain's fixtures.
//!
//! - [`Actors`]: deterministic keys for every role (protocol owner, app developer, data owner,
//!   requester, sponsor, scheduler, workers, TEE broker, enclave);
//! - [`Session`]: an [`Evm`], a [`Protocol`] and the actors, with one method per protocol
//!   operation (deposits, assets, orders and matches, the task lifecycle, time travel). Every
//!   transaction returns a [`Call`]: its [`TxOutcome`] (gas, logs, revert) and its decoded
//!   return value; the session's [`Recorder`] keeps the label, gas and normalized events of
//!   each;
//! - [`OrderDraft`] / [`Orders`]: the four orders with sensible defaults, editable before they
//!   are signed;
//! - [`events`]: the protocol's events of an outcome as a comparable list, with the addresses
//!   and ids of a deployment replaced by symbolic names, so that two deployments compare equal;
//! - [`flows`]: whole scenarios ([`tee_task`], [`replicated_task`], [`bulk_deal`]) returning a
//!   [`GasReport`].
//!
//! [`Protocol`]: crate::Protocol
//! [`Evm`]: crate::Evm

mod accounts;
mod actors;
mod assets;
pub mod events;
pub mod flows;
mod gas;
mod matching;
mod orders;
mod session;
mod tasks;

pub use accounts::Account;
pub use actors::Actors;
pub use events::{NormalizedEvent, Symbols};
pub use flows::{bulk_deal, replicated_task, tee_task};
pub use gas::{CallGas, GasEntry, GasReport, Recorder};
pub use orders::{Assets, OrderDraft, OrderOperation, Orders, Terms};
pub use session::{KITTY, Session};
pub use tasks::{ContributionTerms, result_digest_for, results_for};

use crate::evm::{EvmError, Revert, TxOutcome};
use alloy_primitives::Address;

/// One RLC in nRLC (the token has 9 decimals).
pub const RLC: u64 = 1_000_000_000;

/// `Types.TaskStatusEnum` values (poco.md §3.1).
pub mod task_status {
    /// Not initialized.
    pub const UNSET: u8 = 0;
    /// Initialized, accepting contributions.
    pub const ACTIVE: u8 = 1;
    /// Consensus reached, accepting reveals.
    pub const REVEALING: u8 = 2;
    /// Finalized.
    pub const COMPLETED: u8 = 3;
    /// Claimed after its final deadline.
    pub const FAILED: u8 = 4;
}

/// `Types.ContributionStatusEnum` values (poco.md §3.1).
pub mod contribution_status {
    /// No contribution.
    pub const UNSET: u8 = 0;
    /// Contributed, not revealed.
    pub const CONTRIBUTED: u8 = 1;
    /// Revealed (or contributed and finalized at once).
    pub const PROVED: u8 = 2;
    /// In a consensus group that nobody revealed, then reopened.
    pub const REJECTED: u8 = 3;
}

/// Why a scenario step could not run. A revert is not an error of the operation methods (it is
/// in [`Call::outcome`]); it is one of the fixtures that must succeed and of [`Call::value`].
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The EVM refused the transaction or a view failed.
    #[error(transparent)]
    Evm(#[from] EvmError),
    /// A transaction that had to succeed reverted.
    #[error("{label}: {revert}")]
    Reverted {
        /// The call's label.
        label: String,
        /// Why it reverted.
        revert: Revert,
    },
    /// A signature could not be computed.
    #[error("signing failed: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// The protocol is not owned by the scenario's owner key (it cannot fund accounts).
    #[error("the protocol is owned by {protocol}, not by the scenario's owner {actors}")]
    Owner {
        /// The deployment's owner.
        protocol: Address,
        /// [`Actors::owner`]'s address.
        actors: Address,
    },
    /// The protocol did not behave as the scenario expects (a missing event, no consensus...).
    #[error("{0}")]
    Unexpected(String),
}

impl From<confide_protocol::order::SigningError> for ScenarioError {
    fn from(error: confide_protocol::order::SigningError) -> Self {
        match error {
            confide_protocol::order::SigningError::Signer(e) => Self::Signing(e),
        }
    }
}

/// One transaction sent by a [`Session`]: its label, outcome and decoded return value.
#[derive(Debug, Clone)]
pub struct Call<T> {
    /// What the call was (`"matchOrders"`, `"deposit (requester)"`...).
    pub label: String,
    /// The receipt: gas, logs, revert.
    pub outcome: TxOutcome,
    /// The decoded return value; `None` when the call reverted.
    pub returned: Option<T>,
}

impl<T> Call<T> {
    /// Whether the call succeeded.
    pub fn succeeded(&self) -> bool {
        self.outcome.revert.is_none()
    }

    /// Why the call reverted.
    pub fn revert(&self) -> Option<&Revert> {
        self.outcome.revert.as_ref()
    }

    /// Gas used.
    pub fn gas(&self) -> u64 {
        self.outcome.gas_used
    }

    /// The return value, or [`ScenarioError::Reverted`].
    pub fn value(self) -> Result<T, ScenarioError> {
        match (self.returned, self.outcome.revert) {
            (Some(value), _) => Ok(value),
            (None, Some(revert)) => Err(ScenarioError::Reverted {
                label: self.label,
                revert,
            }),
            (None, None) => Err(ScenarioError::Unexpected(format!(
                "{}: the return data does not decode",
                self.label
            ))),
        }
    }

    /// `self`, or [`ScenarioError::Reverted`] when the call reverted.
    pub fn ok(self) -> Result<Self, ScenarioError> {
        match &self.outcome.revert {
            None => Ok(self),
            Some(revert) => Err(ScenarioError::Reverted {
                label: self.label,
                revert: revert.clone(),
            }),
        }
    }
}
