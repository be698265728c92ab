//! Evidence, the verified report, and the attester and verifier traits.

use serde::{Deserialize, Serialize};

use crate::error::TeeError;

/// Length of a quote's report data.
pub const REPORT_DATA_LEN: usize = 64;

/// The 64 bytes an enclave binds into its evidence (see [`crate::session`]).
pub type ReportData = [u8; REPORT_DATA_LEN];

/// What produced a piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// An Intel DCAP quote (TDX v4/v5 or SGX v3), verified against Intel's collateral.
    DcapQuote,
    /// Evidence of the `confide-tee-sim` simulator: no hardware, never trusted in production.
    Simulated,
}

/// Evidence an enclave presents, as sent over the wire (`data` base64 in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Its kind, which selects the verifier.
    pub kind: EvidenceKind,
    /// The quote or simulator evidence bytes.
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// The TEE a report comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// An Intel TDX trust domain.
    Tdx,
    /// An Intel SGX enclave.
    Sgx,
    /// The simulator.
    Simulated,
}

/// The measured identity in a verified report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "lowercase")]
pub enum Measurements {
    /// A TDX report body (hex-encoded in JSON).
    Tdx {
        /// The initial TD measurement.
        #[serde(with = "hex_bytes")]
        mr_td: Vec<u8>,
        /// Runtime measurement registers 0–3.
        #[serde(with = "hex_array4")]
        rtmr: [Vec<u8>; 4],
        /// Software-defined configuration id.
        #[serde(with = "hex_bytes")]
        mr_config_id: Vec<u8>,
        /// The TD owner.
        #[serde(with = "hex_bytes")]
        mr_owner: Vec<u8>,
        /// The TD attributes (bit 0 = debug).
        #[serde(with = "hex_bytes")]
        td_attributes: Vec<u8>,
    },
    /// An SGX report body.
    Sgx {
        /// The enclave measurement.
        #[serde(with = "hex_bytes")]
        mr_enclave: Vec<u8>,
        /// The enclave signer's key hash.
        #[serde(with = "hex_bytes")]
        mr_signer: Vec<u8>,
        /// Product id.
        isv_prod_id: u16,
        /// Security version.
        isv_svn: u16,
        /// The enclave attributes (bit 1 = debug).
        #[serde(with = "hex_bytes")]
        attributes: Vec<u8>,
    },
    /// The simulator's declared measurement.
    Simulated {
        /// A digest standing for the simulated TCB (for example the worker binary's hash).
        #[serde(with = "hex_bytes")]
        measurement: Vec<u8>,
    },
}

impl Measurements {
    /// Whether the TEE runs in debug mode (its memory readable by the host).
    pub fn is_debug(&self) -> bool {
        match self {
            Self::Tdx { td_attributes, .. } => td_attributes.first().is_some_and(|b| b & 1 != 0),
            Self::Sgx { attributes, .. } => attributes.first().is_some_and(|b| b & 2 != 0),
            Self::Simulated { .. } => false,
        }
    }
}

/// Intel's TCB statuses, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TcbStatus {
    /// Fully patched.
    UpToDate,
    /// Patched; software hardening (for example against a side channel) is needed.
    SWHardeningNeeded,
    /// Patched; a platform configuration change is needed.
    ConfigurationNeeded,
    /// Both of the above.
    ConfigurationAndSWHardeningNeeded,
    /// The platform's TCB is out of date.
    OutOfDate,
    /// Out of date and a configuration change is needed.
    OutOfDateConfigurationNeeded,
    /// The platform's keys are revoked.
    Revoked,
}

impl TcbStatus {
    /// Intel's name for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpToDate => "UpToDate",
            Self::SWHardeningNeeded => "SWHardeningNeeded",
            Self::ConfigurationNeeded => "ConfigurationNeeded",
            Self::ConfigurationAndSWHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
            Self::OutOfDate => "OutOfDate",
            Self::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
            Self::Revoked => "Revoked",
        }
    }

    /// Parses Intel's name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::UpToDate,
            Self::SWHardeningNeeded,
            Self::ConfigurationNeeded,
            Self::ConfigurationAndSWHardeningNeeded,
            Self::OutOfDate,
            Self::OutOfDateConfigurationNeeded,
            Self::Revoked,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

impl std::fmt::Display for TcbStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a verifier vouches for once the evidence holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedReport {
    /// The TEE.
    pub platform: Platform,
    /// Its measured identity.
    pub measurements: Measurements,
    /// The 64 bytes of report data.
    #[serde(with = "hex_bytes")]
    pub report_data: Vec<u8>,
    /// The platform's TCB status.
    pub tcb_status: TcbStatus,
    /// Intel security advisories that apply to the platform.
    pub advisories: Vec<String>,
    /// True for simulator evidence (no hardware behind it).
    pub simulated: bool,
}

/// Produces evidence over report data (inside the TEE).
pub trait Attester: Send + Sync {
    /// Evidence binding `report_data`.
    fn attest(&self, report_data: &ReportData) -> Result<Evidence, TeeError>;
}

/// Checks evidence of one kind and extracts its report. `now` is a UNIX time in seconds
/// (collateral validity windows are checked against it; tests pass a fixed one).
pub trait Verifier: Send + Sync {
    /// The kind of evidence this verifier reads.
    fn kind(&self) -> EvidenceKind;
    /// Verifies `evidence` (signatures, certificate chains, collateral).
    fn verify(&self, evidence: &Evidence, now: u64) -> Result<VerifiedReport, TeeError>;
}

pub(crate) mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

pub(crate) mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&alloy_primitives::hex::encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        alloy_primitives::hex::decode(text).map_err(serde::de::Error::custom)
    }
}

mod hex_array4 {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        registers: &[Vec<u8>; 4],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(4))?;
        for register in registers {
            seq.serialize_element(&alloy_primitives::hex::encode(register))?;
        }
        seq.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<[Vec<u8>; 4], D::Error> {
        let texts = <[String; 4]>::deserialize(deserializer)?;
        let mut registers: [Vec<u8>; 4] = Default::default();
        for (register, text) in registers.iter_mut().zip(texts) {
            *register = alloy_primitives::hex::decode(text).map_err(serde::de::Error::custom)?;
        }
        Ok(registers)
    }
}

pub(crate) mod hex_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        list: &[Vec<u8>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = list.iter().map(alloy_primitives::hex::encode).collect();
        texts.serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .into_iter()
            .map(|text| alloy_primitives::hex::decode(text).map_err(serde::de::Error::custom))
            .collect()
    }
}
