//! Confide's attestation (DESIGN.md §6).
//!
//! - [`Evidence`]: what an enclave presents (an Intel DCAP quote, or simulator evidence) and
//!   [`VerifiedReport`]: what a [`Verifier`] extracts from it once the signatures, certificate
//!   chains and collateral hold (measurements, report data, TCB status, advisories);
//! - [`Attester`]: produces evidence over 64 bytes of report data;
//! - [`Policy`]: which measurements, TCB statuses and advisories a relying party accepts, and
//!   whether simulated evidence is;
//! - [`session`]: the enclave's per-task keys and the report data that binds them to the task
//!   and the app;
//! - [`dcap`] (feature `tdx`, on by default): Intel DCAP quote verification and configfs-tsm
//!   quote generation.
//!
//! The simulator lives in its own crate (`confide-tee-sim`) so that production builds can
//! leave it out; its evidence is always marked simulated and refused by a production policy.
#![forbid(unsafe_code)]

#[cfg(feature = "tdx")]
pub mod dcap;
mod error;
mod evidence;
mod policy;
pub mod session;

pub use error::{PolicyError, TeeError};
pub use evidence::{
    Attester, Evidence, EvidenceKind, Measurements, Platform, REPORT_DATA_LEN, ReportData,
    TcbStatus, VerifiedReport, Verifier,
};
pub use policy::Policy;
