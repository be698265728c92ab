//! Types and formulas of the Confide protocol, compatible with iExec PoCo v5/v6.
//!
//! Pure: no I/O. Everything that is hashed or signed by more than one component lives here, so
//! the contracts, services and SDK agree by construction.
//!
//! - [`order`]: the four orders, their JSON shape, EIP-712 hashes and signatures;
//! - [`eip712`]: the `iExecODB`/`5.0.0` domain;
//! - [`signature`]: PoCo's ECDSA rules (65/64 bytes, v ∈ {27,28}, low s) and EIP-191;
//! - [`tag`]: feature bits and TEE frameworks;
//! - [`ids`], [`result`], [`authorization`], [`sms`]: ids, result digests, authorizations,
//!   enclave messages and SMS challenges;
//! - [`matching`]: the checks of `matchOrders` and their revert codes, named;
//! - [`params`]: deal parameters;
//! - [`replicate`]: why a worker's run of a task failed, as workers report it;
//! - [`consensus`]: protocol constants, deadlines, stakes and consensus arithmetic;
//! - [`workerpool`]: the scheduler ↔ worker wire model and signed worker requests.
#![forbid(unsafe_code)]

pub mod authorization;
pub mod consensus;
pub mod eip712;
pub mod ids;
pub mod matching;
pub mod order;
pub mod params;
pub mod replicate;
pub mod result;
mod serde_helpers;
pub mod signature;
pub mod sms;
pub mod tag;
pub mod workerpool;

pub use eip712::Domain;
pub use order::{
    AppOrder, DatasetOrder, Order, OrderKind, PocoOrder, RequestOrder, SignedOrder, WorkerpoolOrder,
};
pub use serde_helpers::{UintParseError, parse_uint};
pub use signature::SignatureError;
pub use tag::Tag;
