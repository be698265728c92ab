//! The X.509 side of DCAP: PEM chains, certificate and CRL signatures (ECDSA P-256 with
//! SHA-256, the only algorithm Intel's PKI uses), validity windows and revocation. These checks
//! name the failing certificate or CRL precisely; dcap-qvl runs the full path validation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::der::{Decode as _, Encode as _, oid::ObjectIdentifier};

use super::error::{CertChain, Crl, DcapError};

/// Intel's SGX Provisioning Certification root CA (DER), the trust anchor of every DCAP chain.
/// SHA-256 fingerprint 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3.
pub(crate) const INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("intel_sgx_root_ca.der");

/// ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// Intel's chains hold a leaf, at most an intermediate CA and the root; more is hostile.
const MAX_CHAIN_LEN: usize = 5;

const PEM_BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const PEM_END: &[u8] = b"-----END CERTIFICATE-----";

/// A parsed certificate with its DER encoding.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub(crate) der: Vec<u8>,
    pub(crate) cert: Certificate,
}

impl Cert {
    pub(crate) fn from_der(der: Vec<u8>) -> Result<Self, String> {
        let cert = Certificate::from_der(&der).map_err(|error| error.to_string())?;
        Ok(Self { der, cert })
    }

    pub(crate) fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    fn issuer(&self) -> String {
        self.cert.tbs_certificate().issuer().to_string()
    }

    /// The uncompressed P-256 point of the certificate's key.
    pub(crate) fn public_key(&self) -> &[u8] {
        self.cert
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
    }

    pub(crate) fn validity(&self) -> (u64, u64) {
        let validity = self.cert.tbs_certificate().validity();
        (
            validity.not_before.to_unix_duration().as_secs(),
            validity.not_after.to_unix_duration().as_secs(),
        )
    }

    /// Whether `issuer`'s key signed this certificate.
    fn signed_by(&self, issuer_key: &[u8]) -> bool {
        if self.cert.signature_algorithm().oid != ECDSA_WITH_SHA256 {
            return false;
        }
        let Ok(tbs) = self.cert.tbs_certificate().to_der() else {
            return false;
        };
        let Some(signature) = self.cert.signature().as_bytes() else {
            return false;
        };
        verify_asn1(issuer_key, &tbs, signature)
    }
}

/// Verifies an ASN.1 (DER) ECDSA P-256/SHA-256 signature.
fn verify_asn1(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
        .verify(message, signature)
        .is_ok()
}

/// Verifies a raw `r ‖ s` ECDSA P-256/SHA-256 signature (as DCAP quotes and collateral carry).
pub(crate) fn verify_raw(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
        .verify(message, signature)
        .is_ok()
}

/// Splits a PEM certificate chain into DER certificates (trailing NULs and text around the
/// blocks are ignored), without parsing them.
pub(crate) fn pem_certificates(chain: CertChain, pem: &[u8]) -> Result<Vec<Vec<u8>>, DcapError> {
    let malformed = |index, reason: String| DcapError::MalformedCertificate {
        chain,
        index,
        reason,
    };
    let mut ders = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, PEM_BEGIN) {
        let index = ders.len();
        if index == MAX_CHAIN_LEN {
            return Err(malformed(
                index,
                format!("more than {MAX_CHAIN_LEN} certificates"),
            ));
        }
        let body_and_rest = &rest[start + PEM_BEGIN.len()..];
        let end = find(body_and_rest, PEM_END)
            .ok_or_else(|| malformed(index, "no END CERTIFICATE line".into()))?;
        let body: Vec<u8> = body_and_rest[..end]
            .iter()
            .copied()
            .filter(|byte| !byte.is_ascii_whitespace())
            .collect();
        ders.push(
            STANDARD
                .decode(&body)
                .map_err(|error| malformed(index, format!("base64: {error}")))?,
        );
        rest = &body_and_rest[end + PEM_END.len()..];
    }
    if ders.is_empty() {
        return Err(malformed(0, "no certificate in the chain".into()));
    }
    Ok(ders)
}

/// Splits and parses a PEM certificate chain.
pub(crate) fn parse_chain(chain: CertChain, pem: &[u8]) -> Result<Vec<Cert>, DcapError> {
    pem_certificates(chain, pem)?
        .into_iter()
        .enumerate()
        .map(|(index, der)| {
            Cert::from_der(der).map_err(|reason| DcapError::MalformedCertificate {
                chain,
                index,
                reason,
            })
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Checks each certificate's signature under the next one's key, up to Intel's root (the
/// chain may include the root or stop below it), then each certificate's validity at `now`.
pub(crate) fn verify_chain(
    chain: CertChain,
    certs: &[Cert],
    root: &Cert,
    now: u64,
) -> Result<(), DcapError> {
    for (index, cert) in certs.iter().enumerate() {
        if cert.der == root.der {
            break;
        }
        let issuer_key = match certs.get(index + 1) {
            Some(issuer) => issuer.public_key(),
            None => {
                if cert.cert.tbs_certificate().issuer() != root.cert.tbs_certificate().subject() {
                    return Err(DcapError::UntrustedRoot {
                        chain,
                        got: cert.issuer(),
                    });
                }
                root.public_key()
            }
        };
        if !cert.signed_by(issuer_key) {
            return Err(DcapError::CertificateSignature {
                chain,
                index,
                subject: cert.subject(),
            });
        }
    }
    for (index, cert) in certs.iter().enumerate() {
        let (not_before, not_after) = cert.validity();
        check_window(
            || format!("{chain}: certificate {index} ({})", cert.subject()),
            not_before,
            not_after,
            now,
        )?;
    }
    Ok(())
}

/// Fails when `now` is outside `[valid_from, valid_until]`.
pub(crate) fn check_window(
    what: impl FnOnce() -> String,
    valid_from: u64,
    valid_until: u64,
    now: u64,
) -> Result<(), DcapError> {
    if now < valid_from {
        Err(DcapError::NotYetValid {
            what: what(),
            valid_from,
            now,
        })
    } else if now > valid_until {
        Err(DcapError::Expired {
            what: what(),
            valid_until,
            now,
        })
    } else {
        Ok(())
    }
}

/// A parsed CRL.
#[derive(Debug, Clone)]
pub(crate) struct ParsedCrl {
    pub(crate) which: Crl,
    pub(crate) list: CertificateList,
}

impl ParsedCrl {
    pub(crate) fn from_der(which: Crl, der: &[u8]) -> Result<Self, DcapError> {
        let list =
            CertificateList::from_der(der).map_err(|error| DcapError::MalformedCollateral {
                what: match which {
                    Crl::RootCa => "root_ca_crl",
                    Crl::PckCa => "pck_crl",
                },
                reason: error.to_string(),
            })?;
        Ok(Self { which, list })
    }

    /// `thisUpdate` and `nextUpdate` (UNIX seconds; a CRL without a next update never expires).
    pub(crate) fn window(&self) -> (u64, u64) {
        let tbs = &self.list.tbs_cert_list;
        (
            tbs.this_update.to_unix_duration().as_secs(),
            tbs.next_update
                .map_or(u64::MAX, |time| time.to_unix_duration().as_secs()),
        )
    }

    /// Fails unless `issuer` signed the CRL.
    pub(crate) fn verify_signature(&self, issuer: &Cert) -> Result<(), DcapError> {
        let signed = self.list.signature_algorithm.oid == ECDSA_WITH_SHA256
            && self.list.tbs_cert_list.issuer == *issuer.cert.tbs_certificate().subject()
            && match (
                self.list.tbs_cert_list.to_der(),
                self.list.signature.as_bytes(),
            ) {
                (Ok(tbs), Some(signature)) => verify_asn1(issuer.public_key(), &tbs, signature),
                _ => false,
            };
        if signed {
            Ok(())
        } else {
            Err(DcapError::CrlSignature(self.which))
        }
    }

    /// Fails if this CRL's issuer issued `cert` and lists its serial number.
    pub(crate) fn check_not_revoked(&self, chain: CertChain, cert: &Cert) -> Result<(), DcapError> {
        let tbs = cert.cert.tbs_certificate();
        if self.list.tbs_cert_list.issuer != *tbs.issuer() {
            return Ok(());
        }
        let revoked = self
            .list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|entry| entry.serial_number.as_bytes() == tbs.serial_number().as_bytes());
        if revoked {
            Err(DcapError::CertificateRevoked {
                chain,
                subject: cert.subject(),
                serial: tbs.serial_number().to_string(),
                crl: self.which,
            })
        } else {
            Ok(())
        }
    }

    /// The CRL issuer's name.
    pub(crate) fn issuer(&self) -> String {
        self.list.tbs_cert_list.issuer.to_string()
    }
}

/// Intel's root CA, parsed.
pub(crate) fn intel_root() -> Result<Cert, DcapError> {
    Cert::from_der(INTEL_SGX_ROOT_CA_DER.to_vec()).map_err(|reason| DcapError::Rejected {
        reason: format!("Intel's root CA does not parse: {reason}"),
    })
}
