//! Why a DCAP quote, its collateral or a configfs-tsm report was refused. Each variant names the
//! part that failed; the verifier finds it by its own checks when dcap-qvl refuses (see
//! [`super::verifier`]).

use std::fmt;

use super::collateral::CollateralKey;

/// A certificate chain DCAP verification relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertChain {
    /// Intel's TCB signing chain over the TCB info (collateral `tcb_info_issuer_chain`).
    TcbInfoIssuer,
    /// Intel's TCB signing chain over the QE identity (collateral `qe_identity_issuer_chain`).
    QeIdentityIssuer,
    /// The PCK CA chain that signs the PCK CRL (collateral `pck_crl_issuer_chain`).
    PckCrlIssuer,
    /// The platform's PCK certificate chain embedded in the quote (certification data type 5).
    PckInQuote,
    /// The platform's PCK certificate chain carried by the collateral (`pck_certificate_chain`),
    /// used instead of the quote's when present.
    PckInCollateral,
}

impl fmt::Display for CertChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TcbInfoIssuer => "TCB info issuer chain",
            Self::QeIdentityIssuer => "QE identity issuer chain",
            Self::PckCrlIssuer => "PCK CRL issuer chain",
            Self::PckInQuote => "PCK certificate chain in the quote",
            Self::PckInCollateral => "PCK certificate chain in the collateral",
        })
    }
}

/// One of the two certificate revocation lists in the collateral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crl {
    /// The root CA's CRL (revokes PCK CAs and the TCB signing certificate).
    RootCa,
    /// The PCK CA's CRL (revokes PCK certificates).
    PckCa,
}

impl fmt::Display for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RootCa => "root CA CRL",
            Self::PckCa => "PCK CRL",
        })
    }
}

/// Why a DCAP quote was not accepted, or a configfs-tsm report not produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DcapError {
    /// The quote bytes do not parse (truncated, bad lengths, unknown body type).
    #[error("malformed quote: {reason}")]
    MalformedQuote {
        /// The parser's complaint.
        reason: String,
    },
    /// The quote parses but is of a kind DCAP does not verify (version, TEE type, key type,
    /// QE vendor).
    #[error("unsupported quote: {reason}")]
    UnsupportedQuote {
        /// What is unsupported.
        reason: String,
    },
    /// A part of the collateral does not parse.
    #[error("malformed collateral {what}: {reason}")]
    MalformedCollateral {
        /// The part (`tcb_info`, `pck_crl`, ...).
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A certificate of a chain does not parse.
    #[error("{chain}: certificate {index} is malformed: {reason}")]
    MalformedCertificate {
        /// The chain.
        chain: CertChain,
        /// Its position (0 = leaf).
        index: usize,
        /// Why.
        reason: String,
    },
    /// A certificate's signature does not verify under its issuer's key.
    #[error("{chain}: the signature on certificate {index} ({subject}) does not verify")]
    CertificateSignature {
        /// The chain.
        chain: CertChain,
        /// Its position (0 = leaf).
        index: usize,
        /// The certificate's subject.
        subject: String,
    },
    /// A chain does not end at Intel's SGX root CA.
    #[error("{chain} does not chain to Intel's SGX root CA (ends at {got})")]
    UntrustedRoot {
        /// The chain.
        chain: CertChain,
        /// The subject of its last certificate.
        got: String,
    },
    /// A certificate of a chain is listed in a CRL.
    #[error("{chain}: certificate {subject} (serial {serial}) is revoked by the {crl}")]
    CertificateRevoked {
        /// The chain.
        chain: CertChain,
        /// The certificate's subject.
        subject: String,
        /// Its serial number.
        serial: String,
        /// The CRL that lists it.
        crl: Crl,
    },
    /// A CRL's signature does not verify under its issuer's key.
    #[error("the {0}'s signature does not verify")]
    CrlSignature(Crl),
    /// The signature over the collateral's TCB info does not verify under the TCB signing key.
    #[error("the signature over the collateral's TCB info does not verify")]
    TcbInfoSignature,
    /// The signature over the collateral's QE identity does not verify under the TCB signing key.
    #[error("the signature over the collateral's QE identity does not verify")]
    QeIdentitySignature,
    /// The QE report's signature does not verify under the PCK certificate's key.
    #[error("the PCK key's signature over the quoting enclave's report does not verify")]
    QeReportSignature,
    /// The QE report does not bind the quote's attestation key.
    #[error(
        "the quoting enclave's report does not bind the attestation key: expected \
         SHA-256(key ‖ auth data) = {expected}, got {got}"
    )]
    AttestationKeyBinding {
        /// Hex of SHA-256(attestation key ‖ QE auth data).
        expected: String,
        /// Hex of the first 32 bytes of the QE report data.
        got: String,
    },
    /// The attestation key's signature over the quote header and report body does not verify:
    /// the signed body (measurements, report data) or the signature was altered.
    #[error(
        "the attestation key's signature over the quote header and report body does not verify"
    )]
    QuoteSignature,
    /// `now` is before a piece of collateral (or a certificate) becomes valid.
    #[error("{what} is not valid yet: valid from {valid_from} (UNIX), now is {now}")]
    NotYetValid {
        /// What.
        what: String,
        /// Its start (UNIX seconds).
        valid_from: u64,
        /// The verification time.
        now: u64,
    },
    /// `now` is past a piece of collateral's next update (or a certificate's end of validity).
    #[error("{what} expired: valid until {valid_until} (UNIX), now is {now}")]
    Expired {
        /// What.
        what: String,
        /// Its end (UNIX seconds).
        valid_until: u64,
        /// The verification time.
        now: u64,
    },
    /// The collateral is for another platform model than the quote's PCK certificate.
    #[error(
        "the collateral's TCB info is for FMSPC {expected}, the quote's PCK certificate has {got}"
    )]
    FmspcMismatch {
        /// The collateral's FMSPC (hex).
        expected: String,
        /// The quote's FMSPC (hex).
        got: String,
    },
    /// The collateral is for another TEE type than the quote (SGX vs TDX).
    #[error("the collateral's {what} is {got:?}, the quote needs {expected:?}")]
    CollateralTypeMismatch {
        /// `TCB info` or `QE identity`.
        what: &'static str,
        /// The id the quote needs (`TDX`, `SGX`, `TD_QE`, `QE`).
        expected: &'static str,
        /// The collateral's id.
        got: String,
    },
    /// The quoting enclave is not the one Intel's QE identity describes.
    #[error("the quoting enclave does not match the QE identity: {reason}")]
    QeIdentityMismatch {
        /// What differs (expected vs got).
        reason: String,
    },
    /// No TCB level of the TCB info applies to the platform's SVNs: the platform is older than
    /// any level Intel still lists (Intel's QVL refuses it as "TCB not supported", whatever
    /// the policy).
    #[error("no TCB level of the TCB info matches the platform: {reason}")]
    NoMatchingTcbLevel {
        /// Which SVNs fall short of the lowest level.
        reason: String,
    },
    /// The TDX module is not the one the TCB info describes.
    #[error("TDX module check failed: {reason}")]
    TdxModule {
        /// What differs.
        reason: String,
    },
    /// The platform's TCB is revoked (refused whatever the policy).
    #[error("the platform's TCB status is Revoked")]
    TcbRevoked,
    /// The TEE runs in debug mode and the verifier does not allow it.
    #[error("the TEE runs in debug mode")]
    DebugMode,
    /// The TD's attributes are refused (profiling, migration, SEPT_VE_DISABLE off, service TDs).
    #[error("refused TD attributes: {reason}")]
    TdAttributes {
        /// Which attribute.
        reason: String,
    },
    /// No collateral is cached for the quote's platform.
    #[error("no valid collateral cached for {0}")]
    CollateralMissing(CollateralKey),
    /// dcap-qvl refused the quote for a reason none of the checks above identifies.
    #[error("quote verification failed: {reason}")]
    Rejected {
        /// dcap-qvl's error chain.
        reason: String,
    },
    /// The configfs-tsm provider is not one that produces DCAP quotes.
    #[error("configfs-tsm provider {got:?} does not produce DCAP quotes (expected tdx_guest)")]
    UnsupportedTsmProvider {
        /// The provider the kernel reports.
        got: String,
    },
    /// Another writer used the configfs-tsm entry while the quote was generated.
    #[error(
        "configfs-tsm report entry was written concurrently in each of {attempts} attempts \
         (generation after our write: expected {expected}, got {got})"
    )]
    TsmConflict {
        /// Attempts made.
        attempts: u32,
        /// The generation our write alone leads to (last attempt).
        expected: u64,
        /// The generation read after reading the quote (last attempt).
        got: u64,
    },
}
