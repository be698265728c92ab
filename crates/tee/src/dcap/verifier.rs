//! The DCAP verifier: dcap-qvl verifies the quote against the collateral (Intel's full QVL
//! logic: chains to Intel's root with revocation, TCB info and QE identity signatures, QE
//! report, quote signature, TCB level matching, TDX module identity). When it refuses, the
//! verifier runs its own checks in trust-chain order to name the failing part precisely
//! (dcap-qvl's errors are strings); only a refusal none of them explains is passed on as
//! [`DcapError::Rejected`] or classified from dcap-qvl's message.
//!
//! PCK chain: the collateral's `pck_certificate_chain` when present, else the chain embedded in
//! the quote (certification data type 5). With the fixtures here, the quote's own chain is the
//! one relied on; when the collateral carries a chain, the quote's embedded bytes are unused.

use std::sync::Arc;

use dcap_qvl::tcb_info::{Tcb, TcbComponents, TcbInfo, TcbLevel};
use dcap_qvl::verify::QuoteVerifier;

use super::collateral::{Collateral, CollateralCache, SignedHeader};
use super::error::{CertChain, Crl, DcapError};
use super::pki::{self, Cert, ParsedCrl};
use super::quote::{ParsedQuote, pck_key};
use crate::error::TeeError;
use crate::evidence::{Evidence, EvidenceKind, Platform, TcbStatus, VerifiedReport, Verifier};

/// Verifies Intel DCAP quotes (TDX v4/v5, SGX v3) against cached or given collateral.
#[derive(Debug, Clone)]
pub struct DcapVerifier {
    cache: Arc<CollateralCache>,
    allow_debug: bool,
}

impl DcapVerifier {
    /// A verifier taking collateral from `cache`.
    pub fn new(cache: Arc<CollateralCache>) -> Self {
        Self {
            cache,
            allow_debug: false,
        }
    }

    /// Accept debug-mode TEEs at the verification level (a [`crate::Policy`] still refuses them
    /// unless it allows debug). Off by default.
    pub fn allow_debug(mut self, allow: bool) -> Self {
        self.allow_debug = allow;
        self
    }

    /// The collateral cache.
    pub fn cache(&self) -> &Arc<CollateralCache> {
        &self.cache
    }

    /// Verifies `quote` with collateral from the cache, selected by the quote's PCK certificate.
    pub fn verify_quote(&self, quote: &[u8], now: u64) -> Result<VerifiedReport, DcapError> {
        let parsed = ParsedQuote::parse(quote)?;
        let collateral = self.cache.get(&parsed.collateral_key()?, now)?;
        self.verify_parsed(&parsed, quote, &collateral, now)
    }

    /// Verifies `quote` against `collateral` at `now` (UNIX seconds).
    pub fn verify_with(
        &self,
        quote: &[u8],
        collateral: &Collateral,
        now: u64,
    ) -> Result<VerifiedReport, DcapError> {
        let parsed = ParsedQuote::parse(quote)?;
        self.verify_parsed(&parsed, quote, collateral, now)
    }

    fn verify_parsed(
        &self,
        parsed: &ParsedQuote,
        raw: &[u8],
        collateral: &Collateral,
        now: u64,
    ) -> Result<VerifiedReport, DcapError> {
        check_pck_crl_issuer(parsed, collateral, now)?;
        let verified = QuoteVerifier::new(pki::INTEL_SGX_ROOT_CA_DER.to_vec())
            .allow_debug(self.allow_debug)
            .dangerous_verify_with_tcb_override(raw, &collateral.to_qvl(), now, with_floor_level);
        let verified = match verified {
            Ok(verified) => verified,
            Err(refusal) => {
                return Err(match diagnose(parsed, raw, collateral, now) {
                    Err(precise) => precise,
                    Ok(pck_leaf) => classify(&refusal, parsed, collateral, &pck_leaf),
                });
            }
        };
        Ok(VerifiedReport {
            platform: parsed.platform(),
            measurements: parsed.measurements(),
            report_data: parsed.report_data().to_vec(),
            tcb_status: map_status(verified.status.as_str())?,
            advisories: verified.advisory_ids,
            simulated: false,
        })
    }
}

impl Verifier for DcapVerifier {
    fn kind(&self) -> EvidenceKind {
        EvidenceKind::DcapQuote
    }

    fn verify(&self, evidence: &Evidence, now: u64) -> Result<VerifiedReport, TeeError> {
        if evidence.kind != EvidenceKind::DcapQuote {
            return Err(TeeError::WrongKind {
                expected: EvidenceKind::DcapQuote,
                got: evidence.kind,
            });
        }
        Ok(self.verify_quote(&evidence.data, now)?)
    }
}

/// dcap-qvl authenticates the PCK CRL through the PCK CA of the PCK chain it validates and never
/// reads the collateral's `pck_crl_issuer_chain`. That chain must still hold: normally it is the
/// PCK chain's own CA certificates (a byte comparison suffices); otherwise (a reissued CA
/// certificate, or tampering) it is verified up to Intel's root and must have signed the CRL.
fn check_pck_crl_issuer(
    parsed: &ParsedQuote,
    collateral: &Collateral,
    now: u64,
) -> Result<(), DcapError> {
    let issuer_pem = collateral.pck_crl_issuer_chain.as_bytes();
    let issuers = pki::pem_certificates(CertChain::PckCrlIssuer, issuer_pem)?;
    let pck_chain = match &collateral.pck_certificate_chain {
        Some(pem) => pki::pem_certificates(CertChain::PckInCollateral, pem.as_bytes()),
        None => pki::pem_certificates(CertChain::PckInQuote, &parsed.embedded_pck_chain()?),
    };
    if let Ok(pck_chain) = pck_chain {
        let pck_issuers = pck_chain.get(1..).unwrap_or_default();
        if issuers
            .iter()
            .all(|der| pck_issuers.contains(der) || der.as_slice() == pki::INTEL_SGX_ROOT_CA_DER)
        {
            return Ok(());
        }
    }
    let root = pki::intel_root()?;
    let certs = pki::parse_chain(CertChain::PckCrlIssuer, issuer_pem)?;
    pki::verify_chain(CertChain::PckCrlIssuer, &certs, &root, now)?;
    let leaf = certs.first().ok_or_else(|| DcapError::Rejected {
        reason: "the PCK CRL issuer chain is empty".into(),
    })?;
    ParsedCrl::from_der(Crl::PckCa, &collateral.pck_crl)?.verify_signature(leaf)
}

/// Our TCB status for dcap-qvl's. A TD 1.5 "relaunch advised" status (the TD launched on an
/// out-of-date TCB that a TD-preserving update has since fixed) is what the TD runs with until
/// relaunched, so it maps to the out-of-date status.
/// A platform below every TCB level of the (already signature-checked) TCB info is at least as
/// out of date as the lowest level: a floor level (every SVN 0) after the others, with the
/// lowest level's date and advisories and a status no better than `OutOfDate`, makes such a
/// platform appraisable (Intel's QVL reports it unmatched) so that the relying party's policy
/// decides: a strict one refuses it, a permissive one that accepts out-of-date platforms and
/// those advisories accepts it. Platforms that match a listed level are unaffected.
fn with_floor_level(mut tcb_info: TcbInfo) -> TcbInfo {
    use dcap_qvl::tcb_info::TcbStatus as Status;
    let Some(lowest) = tcb_info.tcb_levels.last().cloned() else {
        return tcb_info;
    };
    let status = match lowest.tcb_status {
        Status::Revoked => Status::Revoked,
        Status::OutOfDateConfigurationNeeded | Status::TDRelaunchAdvisedConfigurationNeeded => {
            Status::OutOfDateConfigurationNeeded
        }
        _ => Status::OutOfDate,
    };
    let zeros = |components: &[TcbComponents]| vec![TcbComponents { svn: 0 }; components.len()];
    tcb_info.tcb_levels.push(TcbLevel {
        tcb: Tcb {
            sgx_components: zeros(&lowest.tcb.sgx_components),
            tdx_components: zeros(&lowest.tcb.tdx_components),
            pce_svn: 0,
        },
        tcb_date: lowest.tcb_date,
        tcb_status: status,
        advisory_ids: lowest.advisory_ids,
    });
    tcb_info
}

fn map_status(status: &str) -> Result<TcbStatus, DcapError> {
    match status {
        "TDRelaunchAdvised" => Ok(TcbStatus::OutOfDate),
        "TDRelaunchAdvisedConfigurationNeeded" => Ok(TcbStatus::OutOfDateConfigurationNeeded),
        "Revoked" => Err(DcapError::TcbRevoked),
        other => TcbStatus::parse(other).ok_or_else(|| DcapError::Rejected {
            reason: format!("unknown TCB status {other:?}"),
        }),
    }
}

/// Our own checks, in trust-chain order; the first failure is the precise error. Costs a few
/// signature verifications, paid only when dcap-qvl refused. Returns the PCK leaf in use when
/// every check passes.
fn diagnose(
    parsed: &ParsedQuote,
    raw: &[u8],
    collateral: &Collateral,
    now: u64,
) -> Result<Cert, DcapError> {
    // The collateral must be for this TEE type, and dated around `now`.
    let tcb_info = SignedHeader::parse("tcb_info", &collateral.tcb_info)?;
    let qe_identity = SignedHeader::parse("qe_identity", &collateral.qe_identity)?;
    let (tcb_id, qe_id) = match parsed.platform() {
        Platform::Sgx => ("SGX", "QE"),
        _ => ("TDX", "TD_QE"),
    };
    for (what, expected, got) in [
        ("TCB info", tcb_id, &tcb_info.id),
        ("QE identity", qe_id, &qe_identity.id),
    ] {
        if got != expected {
            return Err(DcapError::CollateralTypeMismatch {
                what,
                expected,
                got: got.clone(),
            });
        }
    }
    let (issued, next_update) = tcb_info.window("tcb_info")?;
    pki::check_window(|| "TCB info".into(), issued, next_update, now)?;
    let (issued, next_update) = qe_identity.window("qe_identity")?;
    pki::check_window(|| "QE identity".into(), issued, next_update, now)?;
    let root_crl = ParsedCrl::from_der(Crl::RootCa, &collateral.root_ca_crl)?;
    let pck_crl = ParsedCrl::from_der(Crl::PckCa, &collateral.pck_crl)?;
    for crl in [&root_crl, &pck_crl] {
        let (this_update, next_update) = crl.window();
        pki::check_window(|| crl.which.to_string(), this_update, next_update, now)?;
    }

    // Certificates and CRLs up to Intel's root.
    let root = pki::intel_root()?;
    root_crl.verify_signature(&root)?;
    let (pck_chain, pck_pem) = match &collateral.pck_certificate_chain {
        Some(pem) => (CertChain::PckInCollateral, pem.as_bytes().to_vec()),
        None => (CertChain::PckInQuote, parsed.embedded_pck_chain()?),
    };
    let chains = [
        (
            CertChain::TcbInfoIssuer,
            collateral.tcb_info_issuer_chain.as_bytes().to_vec(),
        ),
        (
            CertChain::QeIdentityIssuer,
            collateral.qe_identity_issuer_chain.as_bytes().to_vec(),
        ),
        (
            CertChain::PckCrlIssuer,
            collateral.pck_crl_issuer_chain.as_bytes().to_vec(),
        ),
        (pck_chain, pck_pem),
    ];
    let mut parsed_chains: Vec<(CertChain, Vec<Cert>)> = Vec::with_capacity(chains.len());
    for (chain, pem) in chains {
        let certs = pki::parse_chain(chain, &pem)?;
        pki::verify_chain(chain, &certs, &root, now)?;
        parsed_chains.push((chain, certs));
    }
    let leaf_of = |wanted: CertChain| {
        parsed_chains
            .iter()
            .find(|(chain, _)| *chain == wanted)
            .and_then(|(_, certs)| certs.first())
            .ok_or_else(|| DcapError::Rejected {
                reason: format!("{wanted} is empty"),
            })
    };
    pck_crl.verify_signature(leaf_of(CertChain::PckCrlIssuer)?)?;
    for (chain, certs) in &parsed_chains {
        for cert in certs {
            root_crl.check_not_revoked(*chain, cert)?;
            pck_crl.check_not_revoked(*chain, cert)?;
        }
    }

    // Intel's signed collateral.
    if !pki::verify_raw(
        leaf_of(CertChain::TcbInfoIssuer)?.public_key(),
        collateral.tcb_info.as_bytes(),
        &collateral.tcb_info_signature,
    ) {
        return Err(DcapError::TcbInfoSignature);
    }
    if !pki::verify_raw(
        leaf_of(CertChain::QeIdentityIssuer)?.public_key(),
        collateral.qe_identity.as_bytes(),
        &collateral.qe_identity_signature,
    ) {
        return Err(DcapError::QeIdentitySignature);
    }

    // The quote itself, then whether the collateral is for its platform model.
    let pck_leaf = leaf_of(pck_chain)?;
    parsed.verify_signatures(raw, pck_leaf)?;
    let key = pck_key(parsed.platform(), pck_leaf, pck_chain)?;
    let collateral_fmspc = tcb_info.fmspc.clone().unwrap_or_default().to_lowercase();
    let quote_fmspc = alloy_primitives::hex::encode(key.fmspc);
    if collateral_fmspc != quote_fmspc {
        return Err(DcapError::FmspcMismatch {
            expected: collateral_fmspc,
            got: quote_fmspc,
        });
    }
    Ok(pck_leaf.clone())
}

/// Classifies a refusal of dcap-qvl that [`diagnose`] did not explain (TCB level matching, QE
/// identity policy, TD attributes, TDX module) from its message.
fn classify(
    refusal: &dyn std::fmt::Display,
    parsed: &ParsedQuote,
    collateral: &Collateral,
    pck_leaf: &Cert,
) -> DcapError {
    let reason = format!("{refusal:#}");
    let has = |needle: &str| reason.contains(needle);
    if has("TCB status is invalid: Revoked") {
        DcapError::TcbRevoked
    } else if has("Debug mode is enabled") && !has("QE report") {
        DcapError::DebugMode
    } else if has("QE MRSIGNER")
        || has("QE ISVPRODID")
        || has("QE MISCSELECT")
        || has("QE ATTRIBUTES")
        || has("QE report validation")
        || has("QE TCB")
        || has("QE Identity id/version")
    {
        DcapError::QeIdentityMismatch { reason }
    } else if has("No matching TCB level") || has("Failed to evaluate") {
        DcapError::NoMatchingTcbLevel {
            reason: lowest_level_shortfall(parsed, collateral, pck_leaf).unwrap_or(reason),
        }
    } else if has("TDX module") {
        DcapError::TdxModule { reason }
    } else if has("TD profiling")
        || has("Reserved bits in TD attributes")
        || has("TD migration")
        || has("SERVTD_EXT")
        || has("SEPT_VE_DISABLE")
        || has("MR service TD")
    {
        DcapError::TdAttributes { reason }
    } else {
        DcapError::Rejected { reason }
    }
}

/// Which SVNs of the platform fall short of the TCB info's lowest level (Intel lists levels
/// from the newest down): the detail of a "no matching TCB level" refusal.
fn lowest_level_shortfall(
    parsed: &ParsedQuote,
    collateral: &Collateral,
    pck_leaf: &Cert,
) -> Option<String> {
    let tcb_info: dcap_qvl::TcbInfo = serde_json::from_str(&collateral.tcb_info).ok()?;
    let pck = dcap_qvl::intel::parse_pck_extension(&pck_leaf.der).ok()?;
    let tee_tcb_svn = parsed.quote.report.as_td10().map(|td| td.tee_tcb_svn);
    let lowest = tcb_info.tcb_levels.last()?;
    let shortfalls = lowest
        .shortfalls(&pck.cpu_svn, pck.pce_svn, tee_tcb_svn.as_ref())
        .ok()?;
    let detail: Vec<String> = shortfalls
        .iter()
        .map(|shortfall| {
            let component = match shortfall.component {
                dcap_qvl::SvnComponent::Sgx(index) => format!("SGX component {index}"),
                dcap_qvl::SvnComponent::Tdx(index) => format!("TDX component {index}"),
                dcap_qvl::SvnComponent::PceSvn => "PCE SVN".into(),
                dcap_qvl::SvnComponent::TdxModuleIsvSvn => "TDX module ISVSVN".into(),
            };
            format!(
                "{component} is {} (needs {})",
                shortfall.have, shortfall.needs
            )
        })
        .collect();
    Some(format!(
        "the platform is below the lowest level ({}, TCB date {}): {}",
        lowest.tcb_status,
        lowest.tcb_date,
        detail.join(", ")
    ))
}
