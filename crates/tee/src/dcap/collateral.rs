//! Intel's collateral for a platform (TCB info, QE identity, CRLs and their issuer chains) and
//! a cache of it keyed by what selects it: the TEE type, the platform model (FMSPC) and the CA
//! that issued the platform's PCK certificate. Entries expire when the first of their parts
//! does (the TCB info's or QE identity's next update, a CRL's next update, a certificate's end
//! of validity). Collateral is loaded from files (as fetched from Intel's PCS or a PCCS); this
//! crate does no network fetch.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use alloy_primitives::hex;
use serde::{Deserialize, Serialize};

use super::error::{CertChain, Crl, DcapError};
use super::pki::{self, ParsedCrl};
use crate::error::TeeError;
use crate::evidence::{Platform, hex_bytes};

/// The collateral needed to verify quotes of one platform model offline, in the JSON shape of
/// Intel's PCS responses as gathered by dcap-qvl (binary fields hex-encoded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collateral {
    /// PEM chain of the CA that signs the PCK CRL (PCK Platform/Processor CA, root).
    pub pck_crl_issuer_chain: String,
    /// DER of the root CA's CRL.
    #[serde(with = "hex_bytes")]
    pub root_ca_crl: Vec<u8>,
    /// DER of the PCK CA's CRL.
    #[serde(with = "hex_bytes")]
    pub pck_crl: Vec<u8>,
    /// PEM chain of the TCB signing certificate.
    pub tcb_info_issuer_chain: String,
    /// The signed TCB info JSON, verbatim (its bytes are what is signed).
    pub tcb_info: String,
    /// Raw `r ‖ s` ECDSA P-256 signature over `tcb_info`.
    #[serde(with = "hex_bytes")]
    pub tcb_info_signature: Vec<u8>,
    /// PEM chain of the QE identity signing certificate.
    pub qe_identity_issuer_chain: String,
    /// The signed QE identity JSON, verbatim.
    pub qe_identity: String,
    /// Raw `r ‖ s` ECDSA P-256 signature over `qe_identity`.
    #[serde(with = "hex_bytes")]
    pub qe_identity_signature: Vec<u8>,
    /// The platform's PCK certificate chain (PEM), for quotes that do not embed it. When
    /// present it is used instead of the quote's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pck_certificate_chain: Option<String>,
}

/// The dated, typed header of a signed collateral JSON (TCB info or QE identity).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignedHeader {
    pub(crate) id: String,
    pub(crate) issue_date: String,
    pub(crate) next_update: String,
    #[serde(default)]
    pub(crate) fmspc: Option<String>,
}

impl SignedHeader {
    pub(crate) fn parse(what: &'static str, json: &str) -> Result<Self, DcapError> {
        serde_json::from_str(json).map_err(|error| DcapError::MalformedCollateral {
            what,
            reason: error.to_string(),
        })
    }

    /// `issueDate` and `nextUpdate` in UNIX seconds.
    pub(crate) fn window(&self, what: &'static str) -> Result<(u64, u64), DcapError> {
        let date = |text: &str| {
            parse_rfc3339(text).ok_or_else(|| DcapError::MalformedCollateral {
                what,
                reason: format!("bad date {text:?}"),
            })
        };
        Ok((date(&self.issue_date)?, date(&self.next_update)?))
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (Intel's format) to UNIX seconds.
pub(crate) fn parse_rfc3339(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = bytes.get(range)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators
        .iter()
        .any(|&(at, byte)| bytes.get(at) != Some(&byte))
    {
        return None;
    }
    let tail = bytes.get(19..)?;
    let fraction_ok = match tail {
        [b'Z'] => true,
        [b'.', digits @ .., b'Z'] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !fraction_ok {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_since_epoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (year ≥ 1970), counting from March so
/// that the leap day ends the year.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719_468 days separate 0000-03-01 from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The CA that issued a platform's PCK certificate (it also issues the PCK CRL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PckCa {
    /// Intel SGX PCK Processor CA.
    Processor,
    /// Intel SGX PCK Platform CA (multi-package platforms).
    Platform,
}

impl PckCa {
    /// Reads the CA from an issuer name (`CN=Intel SGX PCK Platform CA,...`).
    pub(crate) fn from_issuer(name: &str) -> Option<Self> {
        if name.contains("PCK Platform CA") {
            Some(Self::Platform)
        } else if name.contains("PCK Processor CA") {
            Some(Self::Processor)
        } else {
            None
        }
    }
}

/// What selects a platform's collateral: the TCB info is per TEE type and FMSPC, the PCK CRL
/// per CA, the QE identity per TEE type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CollateralKey {
    /// TDX or SGX.
    pub tee: Platform,
    /// The platform model (Family-Model-Stepping-Platform-CustomSKU) from the PCK certificate.
    #[serde(with = "fmspc_hex")]
    pub fmspc: [u8; 6],
    /// The CA of the PCK certificate.
    pub ca: PckCa,
}

impl fmt::Display for CollateralKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tee = match self.tee {
            Platform::Tdx => "TDX",
            Platform::Sgx => "SGX",
            Platform::Simulated => "simulated",
        };
        let ca = match self.ca {
            PckCa::Processor => "processor",
            PckCa::Platform => "platform",
        };
        write!(f, "{tee} FMSPC {} ({ca} CA)", hex::encode(self.fmspc))
    }
}

mod fmspc_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        fmspc: &[u8; 6],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&alloy_primitives::hex::encode(fmspc))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[u8; 6], D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = alloy_primitives::hex::decode(text).map_err(serde::de::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("an FMSPC is 6 bytes"))
    }
}

/// When a piece of collateral can be used (UNIX seconds, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityWindow {
    /// The latest issue date / start of validity among its parts.
    pub valid_from: u64,
    /// The earliest next update / end of validity among its parts.
    pub valid_until: u64,
}

impl Collateral {
    /// Reads collateral JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, DcapError> {
        serde_json::from_slice(json).map_err(|error| DcapError::MalformedCollateral {
            what: "JSON",
            reason: error.to_string(),
        })
    }

    /// Reads a collateral JSON file.
    pub fn from_file(path: &Path) -> Result<Self, TeeError> {
        let json = std::fs::read(path).map_err(|source| TeeError::Io {
            what: format!("reading collateral {}", path.display()),
            source,
        })?;
        Ok(Self::from_json(&json)?)
    }

    /// The platforms this collateral serves, read from its TCB info (TEE type, FMSPC) and its
    /// PCK CRL's issuer (CA).
    pub fn key(&self) -> Result<CollateralKey, DcapError> {
        let tcb_info = SignedHeader::parse("tcb_info", &self.tcb_info)?;
        let tee = match tcb_info.id.as_str() {
            "TDX" => Platform::Tdx,
            "SGX" => Platform::Sgx,
            other => {
                return Err(DcapError::MalformedCollateral {
                    what: "tcb_info",
                    reason: format!("unknown TEE id {other:?}"),
                });
            }
        };
        let fmspc = tcb_info
            .fmspc
            .as_deref()
            .and_then(|text| hex::decode(text).ok())
            .and_then(|bytes| <[u8; 6]>::try_from(bytes).ok())
            .ok_or_else(|| DcapError::MalformedCollateral {
                what: "tcb_info",
                reason: "no 6-byte hex fmspc".into(),
            })?;
        let pck_crl = ParsedCrl::from_der(Crl::PckCa, &self.pck_crl)?;
        let issuer = pck_crl.issuer();
        let ca = PckCa::from_issuer(&issuer).ok_or_else(|| DcapError::MalformedCollateral {
            what: "pck_crl",
            reason: format!("issuer {issuer} is not a PCK CA"),
        })?;
        Ok(CollateralKey { tee, fmspc, ca })
    }

    /// When every part of the collateral is valid: TCB info and QE identity between their
    /// issue date and next update, CRLs between this and next update, certificates of its
    /// chains within their validity.
    pub fn validity(&self) -> Result<ValidityWindow, DcapError> {
        let mut window = ValidityWindow {
            valid_from: 0,
            valid_until: u64::MAX,
        };
        let mut narrow = |(from, until): (u64, u64)| {
            window.valid_from = window.valid_from.max(from);
            window.valid_until = window.valid_until.min(until);
        };
        narrow(SignedHeader::parse("tcb_info", &self.tcb_info)?.window("tcb_info")?);
        narrow(SignedHeader::parse("qe_identity", &self.qe_identity)?.window("qe_identity")?);
        narrow(ParsedCrl::from_der(Crl::RootCa, &self.root_ca_crl)?.window());
        narrow(ParsedCrl::from_der(Crl::PckCa, &self.pck_crl)?.window());
        let mut chains = vec![
            (CertChain::TcbInfoIssuer, &self.tcb_info_issuer_chain),
            (CertChain::QeIdentityIssuer, &self.qe_identity_issuer_chain),
            (CertChain::PckCrlIssuer, &self.pck_crl_issuer_chain),
        ];
        if let Some(pck_chain) = &self.pck_certificate_chain {
            chains.push((CertChain::PckInCollateral, pck_chain));
        }
        for (chain, pem) in chains {
            for cert in pki::parse_chain(chain, pem.as_bytes())? {
                narrow(cert.validity());
            }
        }
        Ok(window)
    }

    /// The form dcap-qvl verifies against.
    pub(crate) fn to_qvl(&self) -> dcap_qvl::QuoteCollateralV3 {
        dcap_qvl::QuoteCollateralV3 {
            pck_crl_issuer_chain: self.pck_crl_issuer_chain.clone(),
            root_ca_crl: self.root_ca_crl.clone(),
            pck_crl: self.pck_crl.clone(),
            tcb_info_issuer_chain: self.tcb_info_issuer_chain.clone(),
            tcb_info: self.tcb_info.clone(),
            tcb_info_signature: self.tcb_info_signature.clone(),
            qe_identity_issuer_chain: self.qe_identity_issuer_chain.clone(),
            qe_identity: self.qe_identity.clone(),
            qe_identity_signature: self.qe_identity_signature.clone(),
            pck_certificate_chain: self.pck_certificate_chain.clone(),
        }
    }
}

#[derive(Debug)]
struct CacheEntry {
    collateral: Arc<Collateral>,
    window: ValidityWindow,
}

/// Collateral by [`CollateralKey`], each entry usable until its [`ValidityWindow`] ends.
/// Inserting collateral for a key already cached keeps the one valid the longest (fresher).
/// Shared between threads.
#[derive(Debug, Default)]
pub struct CollateralCache {
    entries: RwLock<HashMap<CollateralKey, CacheEntry>>,
}

impl CollateralCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Caches `collateral` under the key it serves; returns the key.
    pub fn insert(&self, collateral: Collateral) -> Result<CollateralKey, DcapError> {
        let key = collateral.key()?;
        let window = collateral.validity()?;
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let fresher = entries
            .get(&key)
            .is_none_or(|cached| window.valid_until >= cached.window.valid_until);
        if fresher {
            entries.insert(
                key,
                CacheEntry {
                    collateral: Arc::new(collateral),
                    window,
                },
            );
        }
        Ok(key)
    }

    /// Caches the collateral JSON file at `path`.
    pub fn load_file(&self, path: &Path) -> Result<CollateralKey, TeeError> {
        Ok(self.insert(Collateral::from_file(path)?)?)
    }

    /// Caches every `*.json` file of `dir`; returns their keys.
    pub fn load_dir(&self, dir: &Path) -> Result<Vec<CollateralKey>, TeeError> {
        let io = |source| TeeError::Io {
            what: format!("listing collateral directory {}", dir.display()),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path
                .extension()
                .is_some_and(|extension| extension == "json")
                && path.is_file()
            {
                paths.push(path);
            }
        }
        paths.sort();
        paths.iter().map(|path| self.load_file(path)).collect()
    }

    /// The collateral for `key`, valid at `now`. An entry past its validity is dropped.
    pub fn get(&self, key: &CollateralKey, now: u64) -> Result<Arc<Collateral>, DcapError> {
        {
            let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
            match entries.get(key) {
                None => return Err(DcapError::CollateralMissing(*key)),
                Some(entry) if now < entry.window.valid_from => {
                    return Err(DcapError::NotYetValid {
                        what: format!("cached collateral for {key}"),
                        valid_from: entry.window.valid_from,
                        now,
                    });
                }
                Some(entry) if now <= entry.window.valid_until => {
                    return Ok(entry.collateral.clone());
                }
                Some(_) => {}
            }
        }
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        match entries.get(key) {
            Some(entry) if now > entry.window.valid_until => {
                let valid_until = entry.window.valid_until;
                entries.remove(key);
                Err(DcapError::Expired {
                    what: format!("cached collateral for {key}"),
                    valid_until,
                    now,
                })
            }
            // Replaced by fresher collateral meanwhile.
            Some(entry) => Ok(entry.collateral.clone()),
            None => Err(DcapError::CollateralMissing(*key)),
        }
    }

    /// When the entry for `key` stops being valid, if cached.
    pub fn valid_until(&self, key: &CollateralKey) -> Option<u64> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.get(key).map(|entry| entry.window.valid_until)
    }

    /// Drops every entry past its validity at `now`; returns how many.
    pub fn evict_expired(&self, now: u64) -> usize {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        let before = entries.len();
        entries.retain(|_, entry| now <= entry.window.valid_until);
        before - entries.len()
    }

    /// Number of cached entries.
    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2025-06-19T10:16:03Z"), Some(1_750_328_163));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(
            parse_rfc3339("2024-03-01T12:00:00.250Z"),
            Some(1_709_294_400)
        );
        for bad in [
            "",
            "2025-06-19",
            "2025-06-19T10:16:03",
            "2025-13-01T00:00:00Z",
            "2025-06-19T10:16:03+02:00",
            "2025-06-19T10:16:03.Z",
            "+025-06-19T10:16:03Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
