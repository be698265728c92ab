//! Reading a DCAP quote: its header, report body (measurements, report data), the PCK
//! certificate it embeds, and the quote-level signatures (QE report by the PCK key, the
//! attestation key bound by the QE report, the quote by the attestation key).

use alloy_primitives::hex;
use dcap_qvl::quote::{AuthDataV3, Quote, Report};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::collateral::{CollateralKey, PckCa};
use super::error::DcapError;
use super::pki::{self, Cert};
use crate::evidence::{Measurements, Platform, REPORT_DATA_LEN};

const TEE_TYPE_SGX: u32 = 0x0000_0000;
const TEE_TYPE_TDX: u32 = 0x0000_0081;
const ATTESTATION_KEY_ECDSA_P256: u16 = 2;
const INTEL_QE_VENDOR_ID: [u8; 16] = [
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];
/// Certification data holding the PCK chain as PEM.
pub(crate) const CERT_TYPE_PCK_CHAIN: u16 = 5;
/// Length of the header every quote version starts with.
const HEADER_LEN: usize = 48;
/// Length of the v5 body descriptor (type u16, size u32) between header and report.
const V5_BODY_DESCRIPTOR_LEN: usize = 6;

/// A parsed quote whose header DCAP supports.
#[derive(Debug, Clone)]
pub struct ParsedQuote {
    pub(crate) quote: Quote,
    pub(crate) platform: Platform,
}

/// What a quote states about itself, before any verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuoteSummary {
    /// TDX or SGX.
    pub platform: Platform,
    /// Quote format version (3 for SGX, 4 or 5 for TDX).
    pub version: u16,
    /// The measured identity.
    pub measurements: Measurements,
    /// The 64 bytes of report data.
    #[serde(with = "crate::evidence::hex_bytes")]
    pub report_data: Vec<u8>,
    /// The collateral the quote needs, when it embeds its PCK certificate chain.
    pub collateral_key: Option<CollateralKey>,
}

impl ParsedQuote {
    /// Parses `bytes` and checks that DCAP verifies this kind of quote: SGX v3 or TDX v4/v5,
    /// ECDSA P-256 attestation key, Intel's quoting enclave. Never panics on hostile input.
    pub fn parse(bytes: &[u8]) -> Result<Self, DcapError> {
        if bytes.len() < HEADER_LEN {
            return Err(DcapError::MalformedQuote {
                reason: format!("{} bytes, shorter than a quote header", bytes.len()),
            });
        }
        let quote = Quote::parse(bytes).map_err(|error| DcapError::MalformedQuote {
            reason: format!("{error:#}"),
        })?;
        let header = &quote.header;
        let unsupported = |reason: String| Err(DcapError::UnsupportedQuote { reason });
        let platform = match (header.tee_type, header.version) {
            (TEE_TYPE_SGX, 3) => Platform::Sgx,
            (TEE_TYPE_TDX, 4 | 5) => Platform::Tdx,
            (TEE_TYPE_SGX | TEE_TYPE_TDX, version) => {
                return unsupported(format!(
                    "version {version} for TEE type {:#x} (SGX quotes are v3, TDX v4 or v5)",
                    header.tee_type
                ));
            }
            (other, _) => return unsupported(format!("TEE type {other:#x}")),
        };
        if header.attestation_key_type != ATTESTATION_KEY_ECDSA_P256 {
            return unsupported(format!(
                "attestation key type {} (expected {ATTESTATION_KEY_ECDSA_P256}, ECDSA P-256)",
                header.attestation_key_type
            ));
        }
        if header.qe_vendor_id != INTEL_QE_VENDOR_ID {
            return unsupported(format!(
                "QE vendor {} (expected Intel's {})",
                hex::encode(header.qe_vendor_id),
                hex::encode(INTEL_QE_VENDOR_ID)
            ));
        }
        Ok(Self { quote, platform })
    }

    /// TDX or SGX.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// The measured identity in the report body.
    pub fn measurements(&self) -> Measurements {
        match &self.quote.report {
            Report::SgxEnclave(report) => Measurements::Sgx {
                mr_enclave: report.mr_enclave.to_vec(),
                mr_signer: report.mr_signer.to_vec(),
                isv_prod_id: report.isv_prod_id,
                isv_svn: report.isv_svn,
                attributes: report.attributes.to_vec(),
            },
            Report::TD10(td) => td_measurements(td),
            Report::TD15(td) => td_measurements(&td.base),
            Report::TD15Ex(td) => td_measurements(&td.base.base),
        }
    }

    /// The report data.
    pub fn report_data(&self) -> [u8; REPORT_DATA_LEN] {
        match &self.quote.report {
            Report::SgxEnclave(report) => report.report_data,
            Report::TD10(td) => td.report_data,
            Report::TD15(td) => td.base.report_data,
            Report::TD15Ex(td) => td.base.base.report_data,
        }
    }

    /// A summary of what the quote states, and the collateral it needs.
    pub fn summary(&self) -> QuoteSummary {
        QuoteSummary {
            platform: self.platform,
            version: self.quote.header.version,
            measurements: self.measurements(),
            report_data: self.report_data().to_vec(),
            collateral_key: self.collateral_key().ok(),
        }
    }

    fn auth_data(&self) -> AuthDataV3 {
        self.quote.auth_data.clone().into_v3()
    }

    /// The PCK chain embedded in the quote (PEM, certification data type 5).
    pub(crate) fn embedded_pck_chain(&self) -> Result<Vec<u8>, DcapError> {
        let certification = self.auth_data().certification_data;
        if certification.cert_type == CERT_TYPE_PCK_CHAIN {
            Ok(certification.body.data)
        } else {
            Err(DcapError::UnsupportedQuote {
                reason: format!(
                    "certification data type {} carries no PCK certificate chain (expected \
                     {CERT_TYPE_PCK_CHAIN}); verify it with collateral that holds the chain",
                    certification.cert_type
                ),
            })
        }
    }

    /// The collateral this quote needs, read from its embedded PCK leaf certificate.
    pub fn collateral_key(&self) -> Result<CollateralKey, DcapError> {
        let chain = super::error::CertChain::PckInQuote;
        let certs = pki::parse_chain(chain, &self.embedded_pck_chain()?)?;
        let leaf = certs
            .first()
            .ok_or_else(|| DcapError::MalformedCertificate {
                chain,
                index: 0,
                reason: "empty chain".into(),
            })?;
        pck_key(self.platform, leaf, chain)
    }

    /// The quote-level signatures, given the PCK leaf certificate in use: the PCK key signs
    /// the QE report, whose report data binds the attestation key, which signs the header and
    /// report body.
    pub(crate) fn verify_signatures(&self, raw: &[u8], pck_leaf: &Cert) -> Result<(), DcapError> {
        let auth = self.auth_data();
        if !pki::verify_raw(
            pck_leaf.public_key(),
            &auth.qe_report,
            &auth.qe_report_signature,
        ) {
            return Err(DcapError::QeReportSignature);
        }
        let mut hasher = Sha256::new();
        hasher.update(auth.ecdsa_attestation_key);
        hasher.update(&auth.qe_auth_data.data);
        let expected = hasher.finalize();
        // The QE report is an SGX report body: its report data is the last 64 bytes.
        let qe_report_data = &auth.qe_report[auth.qe_report.len() - REPORT_DATA_LEN..];
        if qe_report_data[..32] != expected[..] {
            return Err(DcapError::AttestationKeyBinding {
                expected: hex::encode(expected),
                got: hex::encode(&qe_report_data[..32]),
            });
        }
        let mut attestation_key = [0x04u8; 65];
        attestation_key[1..].copy_from_slice(&auth.ecdsa_attestation_key);
        let signed = raw.get(..self.signed_len()).unwrap_or(raw);
        if !pki::verify_raw(&attestation_key, signed, &auth.ecdsa_signature) {
            return Err(DcapError::QuoteSignature);
        }
        Ok(())
    }

    /// Length of the signed part: header, (v5 body descriptor), report body.
    fn signed_len(&self) -> usize {
        let body = match &self.quote.report {
            Report::SgxEnclave(_) => 384,
            Report::TD10(_) => 584,
            Report::TD15(_) => 648,
            Report::TD15Ex(_) => 885,
        };
        let descriptor = if self.quote.header.version == 5 {
            V5_BODY_DESCRIPTOR_LEN
        } else {
            0
        };
        HEADER_LEN + descriptor + body
    }
}

fn td_measurements(td: &dcap_qvl::quote::TDReport10) -> Measurements {
    Measurements::Tdx {
        mr_td: td.mr_td.to_vec(),
        rtmr: [
            td.rt_mr0.to_vec(),
            td.rt_mr1.to_vec(),
            td.rt_mr2.to_vec(),
            td.rt_mr3.to_vec(),
        ],
        mr_config_id: td.mr_config_id.to_vec(),
        mr_owner: td.mr_owner.to_vec(),
        td_attributes: td.td_attributes.to_vec(),
    }
}

/// The collateral key of a platform whose PCK leaf certificate is `leaf`.
pub(crate) fn pck_key(
    tee: Platform,
    leaf: &Cert,
    chain: super::error::CertChain,
) -> Result<CollateralKey, DcapError> {
    let extension = dcap_qvl::intel::parse_pck_extension(&leaf.der).map_err(|error| {
        DcapError::MalformedCertificate {
            chain,
            index: 0,
            reason: format!("PCK extension: {error:#}"),
        }
    })?;
    let issuer = leaf.cert.tbs_certificate().issuer().to_string();
    let ca = PckCa::from_issuer(&issuer).ok_or_else(|| DcapError::MalformedCertificate {
        chain,
        index: 0,
        reason: format!("issuer {issuer} is not a PCK CA"),
    })?;
    Ok(CollateralKey {
        tee,
        fmspc: extension.fmspc,
        ca,
    })
}
