//! A relying party's attestation policy.

use serde::{Deserialize, Serialize};

use crate::error::PolicyError;
use crate::evidence::{Measurements, Platform, TcbStatus, VerifiedReport, hex_list};

/// What a verified report must satisfy. An empty list of allowed values accepts any value of
/// that register; the default policy accepts only up-to-date, non-debug hardware TEEs with no
/// advisory, whatever they measure. Read from JSON (kebab-case keys, hex values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    /// The worst TCB status accepted.
    pub min_tcb_status: TcbStatus,
    /// Advisories accepted when they apply (anything else refuses the report).
    pub accepted_advisories: Vec<String>,
    /// Platforms accepted (empty: TDX and SGX).
    pub platforms: Vec<Platform>,
    /// Accept TEEs in debug mode (never in production).
    pub allow_debug: bool,
    /// Accept simulator evidence (dev mode only).
    pub allow_simulated: bool,
    /// Allowed TDX MRTD values.
    #[serde(with = "hex_list")]
    pub mr_td: Vec<Vec<u8>>,
    /// Allowed values of RTMR0–3 (each list on its own).
    #[serde(with = "hex_lists4")]
    pub rtmr: [Vec<Vec<u8>>; 4],
    /// Allowed SGX MRENCLAVE values.
    #[serde(with = "hex_list")]
    pub mr_enclave: Vec<Vec<u8>>,
    /// Allowed SGX MRSIGNER values.
    #[serde(with = "hex_list")]
    pub mr_signer: Vec<Vec<u8>>,
    /// Allowed simulator measurements.
    #[serde(with = "hex_list")]
    pub simulated_measurement: Vec<Vec<u8>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_tcb_status: TcbStatus::UpToDate,
            accepted_advisories: Vec::new(),
            platforms: Vec::new(),
            allow_debug: false,
            allow_simulated: false,
            mr_td: Vec::new(),
            rtmr: Default::default(),
            mr_enclave: Vec::new(),
            mr_signer: Vec::new(),
            simulated_measurement: Vec::new(),
        }
    }
}

const RTMR_NAMES: [&str; 4] = ["rtmr0", "rtmr1", "rtmr2", "rtmr3"];

impl Policy {
    /// A development policy: accepts simulator evidence too.
    pub fn dev() -> Self {
        Self {
            allow_simulated: true,
            ..Self::default()
        }
    }

    /// Checks `report` against the policy; the first rule it breaks is the error.
    pub fn check(&self, report: &VerifiedReport) -> Result<(), PolicyError> {
        if report.simulated && !self.allow_simulated {
            return Err(PolicyError::SimulatedNotAllowed);
        }
        let accepted = if self.platforms.is_empty() {
            let mut default = vec![Platform::Tdx, Platform::Sgx];
            if self.allow_simulated {
                default.push(Platform::Simulated);
            }
            default
        } else {
            self.platforms.clone()
        };
        if !accepted.contains(&report.platform) {
            return Err(PolicyError::PlatformNotAllowed {
                got: report.platform,
                accepted,
            });
        }
        if report.measurements.is_debug() && !self.allow_debug {
            return Err(PolicyError::DebugNotAllowed);
        }
        match &report.measurements {
            Measurements::Tdx { mr_td, rtmr, .. } => {
                allowed("mr_td", &self.mr_td, mr_td)?;
                for ((name, list), value) in RTMR_NAMES.into_iter().zip(&self.rtmr).zip(rtmr) {
                    allowed(name, list, value)?;
                }
            }
            Measurements::Sgx {
                mr_enclave,
                mr_signer,
                ..
            } => {
                allowed("mr_enclave", &self.mr_enclave, mr_enclave)?;
                allowed("mr_signer", &self.mr_signer, mr_signer)?;
            }
            Measurements::Simulated { measurement } => {
                allowed(
                    "simulated_measurement",
                    &self.simulated_measurement,
                    measurement,
                )?;
            }
        }
        if report.tcb_status > self.min_tcb_status {
            return Err(PolicyError::TcbStatusTooLow {
                minimum: self.min_tcb_status,
                got: report.tcb_status,
            });
        }
        if let Some(advisory) = report
            .advisories
            .iter()
            .find(|advisory| !self.accepted_advisories.contains(advisory))
        {
            return Err(PolicyError::AdvisoryNotAccepted(advisory.clone()));
        }
        Ok(())
    }
}

fn allowed(register: &'static str, list: &[Vec<u8>], value: &[u8]) -> Result<(), PolicyError> {
    if list.is_empty() || list.iter().any(|allowed| allowed == value) {
        Ok(())
    } else {
        Err(PolicyError::MeasurementNotAllowed {
            register,
            got: alloy_primitives::hex::encode(value),
        })
    }
}

mod hex_lists4 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        lists: &[Vec<Vec<u8>>; 4],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let texts: Vec<Vec<String>> = lists
            .iter()
            .map(|list| list.iter().map(alloy_primitives::hex::encode).collect())
            .collect();
        texts.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[Vec<Vec<u8>>; 4], D::Error> {
        let texts = <[Vec<String>; 4]>::deserialize(deserializer)?;
        let mut lists: [Vec<Vec<u8>>; 4] = Default::default();
        for (list, texts) in lists.iter_mut().zip(texts) {
            for text in texts {
                list.push(alloy_primitives::hex::decode(text).map_err(serde::de::Error::custom)?);
            }
        }
        Ok(lists)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn simulated(measurement: &[u8]) -> VerifiedReport {
        VerifiedReport {
            platform: Platform::Simulated,
            measurements: Measurements::Simulated {
                measurement: measurement.to_vec(),
            },
            report_data: vec![0; 64],
            tcb_status: TcbStatus::UpToDate,
            advisories: vec![],
            simulated: true,
        }
    }

    #[test]
    fn simulated_evidence_only_in_dev() {
        let report = simulated(&[1; 32]);
        assert_eq!(
            Policy::default().check(&report),
            Err(PolicyError::SimulatedNotAllowed)
        );
        Policy::dev().check(&report).unwrap();
    }

    #[test]
    fn measurement_lists_and_json() {
        let policy: Policy = serde_json::from_str(&format!(
            r#"{{"allow-simulated": true, "simulated-measurement": ["{}"]}}"#,
            "01".repeat(32)
        ))
        .unwrap();
        policy.check(&simulated(&[1; 32])).unwrap();
        assert_eq!(
            policy.check(&simulated(&[2; 32])),
            Err(PolicyError::MeasurementNotAllowed {
                register: "simulated_measurement",
                got: "02".repeat(32)
            })
        );
        let error = serde_json::from_str::<Policy>(r#"{"min-tcb": "UpToDate"}"#).unwrap_err();
        assert!(error.to_string().contains("unknown field"), "{error}");
    }
}
