//! Attestation errors: each names what failed and, where it helps, what was expected.

use crate::evidence::{EvidenceKind, Platform, TcbStatus};

/// Why evidence was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TeeError {
    /// The evidence is of a kind this verifier does not read.
    #[error("this verifier reads {expected:?} evidence, got {got:?}")]
    WrongKind {
        /// The verifier's kind.
        expected: EvidenceKind,
        /// The evidence's kind.
        got: EvidenceKind,
    },
    /// No verifier is configured for this kind of evidence (for example simulated evidence on
    /// a production build).
    #[error("no verifier accepts {0:?} evidence here")]
    NoVerifier(EvidenceKind),
    /// The evidence bytes do not parse.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A signature over the evidence does not verify.
    #[error("invalid signature over the {what}")]
    BadSignature {
        /// What was signed.
        what: &'static str,
    },
    /// The evidence is validly signed, but by a key this verifier does not trust.
    #[error("{what} signed by {got}, which is not trusted (trusted: {trusted:?})")]
    UntrustedSigner {
        /// What was signed.
        what: &'static str,
        /// The signer (an address or key fingerprint).
        got: String,
        /// The signers this verifier trusts.
        trusted: Vec<String>,
    },
    /// The evidence binds other report data than the session expects (another task, app or
    /// key).
    #[error("report data mismatch: expected {expected}, got {got}")]
    ReportDataMismatch {
        /// Hex of the expected report data.
        expected: String,
        /// Hex of the evidence's report data.
        got: String,
    },
    /// The evidence holds but the policy refuses it.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Sealing or opening the secrets envelope failed.
    #[error("session envelope: {0}")]
    Envelope(#[from] confide_crypto::result::ResultError),
    /// An Intel DCAP quote or its collateral was refused.
    #[cfg(feature = "tdx")]
    #[error(transparent)]
    Dcap(#[from] crate::dcap::DcapError),
    /// Reading or writing the attestation interface failed.
    #[error("{what}: {source}")]
    Io {
        /// The file or operation.
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Why a policy refuses verified evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Simulated evidence where the policy requires hardware.
    #[error("simulated evidence is not accepted (the policy requires a hardware TEE)")]
    SimulatedNotAllowed,
    /// The platform is not one the policy accepts.
    #[error("platform {got:?} is not accepted (accepted: {accepted:?})")]
    PlatformNotAllowed {
        /// The report's platform.
        got: Platform,
        /// Those accepted.
        accepted: Vec<Platform>,
    },
    /// The TEE runs in debug mode.
    #[error("the TEE runs in debug mode")]
    DebugNotAllowed,
    /// A measurement register holds a value the policy does not list.
    #[error("{register} {got} is not among the allowed values")]
    MeasurementNotAllowed {
        /// The register (`mr_td`, `rtmr2`, `mr_enclave`...).
        register: &'static str,
        /// Hex of its value.
        got: String,
    },
    /// The platform's TCB status is below the policy's minimum.
    #[error("TCB status {got} is below the minimum {minimum}")]
    TcbStatusTooLow {
        /// The policy's minimum.
        minimum: TcbStatus,
        /// The report's status.
        got: TcbStatus,
    },
    /// An advisory applies that the policy does not accept.
    #[error("security advisory {0} applies and is not accepted")]
    AdvisoryNotAccepted(String),
}
