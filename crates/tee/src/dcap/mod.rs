//! Intel DCAP attestation (feature `tdx`): verifying TDX (v4/v5) and SGX (v3) quotes with
//! dcap-qvl against Intel's collateral, a cache of that collateral, and quote generation in a
//! TDX guest through configfs-tsm.
//!
//! - [`DcapVerifier`]: the [`crate::Verifier`] for [`crate::EvidenceKind::DcapQuote`];
//! - [`Collateral`], [`CollateralCache`]: collateral loaded from files (no network fetch here),
//!   keyed by [`CollateralKey`] and valid until its first part expires;
//! - [`TsmAttester`]: the [`crate::Attester`] of a TDX guest;
//! - [`DcapError`]: why a quote was refused, naming the failing part.

mod collateral;
mod error;
mod pki;
mod quote;
mod tsm;
mod verifier;

pub use collateral::{Collateral, CollateralCache, CollateralKey, PckCa, ValidityWindow};
pub use error::{CertChain, Crl, DcapError};
pub use quote::{ParsedQuote, QuoteSummary};
pub use tsm::{DEFAULT_TSM_REPORT_DIR, EntryHook, TsmAttester};
pub use verifier::DcapVerifier;
