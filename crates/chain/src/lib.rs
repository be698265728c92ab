//! Confide's chain layer.
//!
//! - [`artifacts`]: the compiled contracts of `contracts/artifacts`, embedded and looked up by
//!   name, and their typed `sol!` bindings ([`artifacts::bindings`]);
//! - [`evm`]: an in-process EVM (revm, Cancun) with automining, a controllable clock,
//!   snapshots and decoded reverts — the engine of the dev chain;
//! - [`deploy`]: deployers of the protocol on that EVM, Confide's own ([`deploy_confide`]) and
//!   the reference PoCo from its npm package ([`deploy_reference_poco`]), the test oracle,
//!   both described by a [`Protocol`] handle;
//! - [`devchain`]: the dev chain's core — raw signed transactions, blocks, receipts, logs,
//!   a genesis with the protocol and anvil's dev accounts, persistence in a journal;
//! - `client` (feature `client`): the typed protocol client over any alloy provider (nonce
//!   management, named reverts, retries, confirmed event streams, deployment on any node);
//! - [`scenario`]: a harness driving either implementation through the `IConfide` bindings
//!   (actors, orders, the task lifecycle, normalized events, gas reports).
#![forbid(unsafe_code)]

pub mod artifacts;
#[cfg(feature = "client")]
pub mod client;
pub mod deploy;
pub mod devchain;
pub mod evm;
pub mod scenario;

pub use deploy::{DeployError, Protocol, deploy_confide, deploy_reference_poco};
pub use evm::{Evm, EvmConfig, EvmError, ProtocolRevert, Revert, Snapshot, Tx, TxOutcome};
