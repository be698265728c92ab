//! Confide's TEE simulator: attestation evidence without hardware, **for development and tests
//! only**.
//!
//! [`SimAttester`] stands in for an enclave's quoting machinery: it signs a declared
//! measurement and 64 bytes of report data with a secp256k1 "simulator key". [`SimVerifier`]
//! checks that evidence against the simulator keys it is told to trust and returns a
//! [`VerifiedReport`] that is always marked `simulated: true` on [`Platform::Simulated`].
//!
//! Nothing here is a root of trust: whoever holds a simulator key can claim any measurement,
//! and keys made with [`SimAttester::from_seed`] are as public as their seed. The evidence only
//! lets the rest of the stack (session binding, secret release, result signing) run end to end
//! on machines without a TEE. A production [`confide_tee::Policy`] refuses every simulated
//! report (`PolicyError::SimulatedNotAllowed`); only [`confide_tee::Policy::dev`] or an explicit
//! `allow-simulated` accepts it. The simulator lives in its own crate so that production builds
//! do not link it at all.
//!
//! # Evidence format (version 1)
//!
//! A fixed layout of [`layout::LEN`] bytes, so that parsing is a length check and slices:
//!
//! | bytes     | field                                                              |
//! |-----------|--------------------------------------------------------------------|
//! | 0..7      | magic `CNFDSIM`                                                    |
//! | 7         | version (`1`)                                                      |
//! | 8..40     | measurement (for a worker: the SHA-256 of its binary)              |
//! | 40..104   | report data                                                        |
//! | 104..137  | the simulator key's public key, SEC1 compressed                    |
//! | 137..201  | ECDSA signature `r ‖ s` (low `s`) over the digest below            |
//!
//! The signature is over `SHA-256("confide/tee-sim/evidence/v1" ‖ measurement ‖ report data)`:
//! the domain tag keeps it from being mistaken for any other signature by the same key
//! (Ethereum transactions and messages are hashed with Keccak-256, and never start with this
//! tag).
//!
//! # Example
//!
//! ```
//! use confide_tee::{Attester, Policy, PolicyError, Verifier};
//! use confide_tee_sim::{SimAttester, SimVerifier};
//!
//! let attester = SimAttester::from_seed(b"dev stack", [0x42; 32]);
//! let verifier = SimVerifier::new([attester.address()]);
//! let evidence = attester.attest(&[7; 64])?;
//! let report = verifier.verify(&evidence, 0)?;
//! assert!(report.simulated);
//! assert_eq!(Policy::default().check(&report), Err(PolicyError::SimulatedNotAllowed));
//! Policy::dev().check(&report)?;
//! # Ok::<(), confide_tee::TeeError>(())
//! ```
#![forbid(unsafe_code)]

use std::fmt;
use std::path::Path;

use alloy_primitives::{Address, hex};
use alloy_signer::k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use alloy_signer::k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use confide_tee::{
    Attester, Evidence, EvidenceKind, Measurements, Platform, REPORT_DATA_LEN, ReportData,
    TcbStatus, TeeError, VerifiedReport, Verifier,
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The simulator's measurement: a 32-byte digest standing for the simulated TCB.
pub type Measurement = [u8; 32];

/// The evidence's magic bytes.
pub const MAGIC: [u8; 7] = *b"CNFDSIM";
/// The evidence format version this crate writes and reads.
pub const VERSION: u8 = 1;

/// Byte ranges of the version-1 evidence fields.
pub mod layout {
    use std::ops::Range;

    /// The magic bytes `CNFDSIM`.
    pub const MAGIC: Range<usize> = 0..7;
    /// The format version byte.
    pub const VERSION: usize = 7;
    /// The measurement.
    pub const MEASUREMENT: Range<usize> = 8..40;
    /// The report data.
    pub const REPORT_DATA: Range<usize> = 40..104;
    /// The signer's SEC1-compressed public key.
    pub const PUBLIC_KEY: Range<usize> = 104..137;
    /// The signature `r ‖ s`.
    pub const SIGNATURE: Range<usize> = 137..201;
    /// The evidence's exact length.
    pub const LEN: usize = 201;
}

const _: () = {
    assert!(layout::MAGIC.end - layout::MAGIC.start == MAGIC.len());
    assert!(layout::VERSION == layout::MAGIC.end);
    assert!(layout::MEASUREMENT.start == layout::VERSION + 1);
    assert!(layout::MEASUREMENT.end - layout::MEASUREMENT.start == 32);
    assert!(layout::REPORT_DATA.start == layout::MEASUREMENT.end);
    assert!(layout::REPORT_DATA.end - layout::REPORT_DATA.start == REPORT_DATA_LEN);
    assert!(layout::PUBLIC_KEY.start == layout::REPORT_DATA.end);
    assert!(layout::PUBLIC_KEY.end - layout::PUBLIC_KEY.start == 33);
    assert!(layout::SIGNATURE.start == layout::PUBLIC_KEY.end);
    assert!(layout::SIGNATURE.end - layout::SIGNATURE.start == 64);
    assert!(layout::LEN == layout::SIGNATURE.end);
};

const EVIDENCE_DOMAIN: &[u8] = b"confide/tee-sim/evidence/v1";
const SEED_DOMAIN: &[u8] = b"confide/tee-sim/key/v1";
const WHAT: &str = "simulator evidence";

/// The seed of the dev stack's simulator: `confide dev`'s workers attest with it and
/// `confide sms --dev` trusts it by default. Public, like the dev chain's mnemonic.
pub const DEV_SIMULATOR_SEED: &[u8] = b"confide/dev-simulator";

/// The dev stack's simulator (see [`DEV_SIMULATOR_SEED`]), measuring nothing in particular.
pub fn dev_simulator() -> SimAttester {
    SimAttester::from_seed(DEV_SIMULATOR_SEED, [0; 32])
}

/// Produces simulator evidence: signs a fixed measurement and the report data it is given.
pub struct SimAttester {
    key: SigningKey,
    measurement: Measurement,
}

impl SimAttester {
    /// An attester whose simulator key is fresh and random (a verifier must be told its
    /// [`address`](Self::address)).
    pub fn random(measurement: Measurement) -> Self {
        Self {
            key: SigningKey::random(&mut rand::rngs::OsRng),
            measurement,
        }
    }

    /// An attester whose simulator key is derived from `seed`: the same seed gives the same
    /// key, so tests and the dev stack can configure verifiers ahead of time. The key is as
    /// secret as the seed.
    pub fn from_seed(seed: &[u8], measurement: Measurement) -> Self {
        // A SHA-256 output is a valid secp256k1 scalar except with probability ~2^-128; the
        // counter makes the derivation total anyway.
        let mut counter: u32 = 0;
        let key = loop {
            let scalar = Zeroizing::new(
                Sha256::new()
                    .chain_update(SEED_DOMAIN)
                    .chain_update(seed)
                    .chain_update(counter.to_be_bytes())
                    .finalize(),
            );
            if let Ok(key) = SigningKey::from_bytes(&scalar) {
                break key;
            }
            counter = counter.wrapping_add(1);
        };
        Self { key, measurement }
    }

    /// An attester signing with the secp256k1 secret key `secret` (32 bytes, big-endian).
    pub fn from_secret_key(secret: &[u8; 32], measurement: Measurement) -> Result<Self, TeeError> {
        let key = SigningKey::from_slice(secret).map_err(|_| TeeError::Malformed {
            what: "simulator secret key",
            reason: "not a valid secp256k1 scalar (zero or not below the curve order)".into(),
        })?;
        Ok(Self { key, measurement })
    }

    /// The Ethereum-style address of the simulator key (what a [`SimVerifier`] trusts).
    pub fn address(&self) -> Address {
        Address::from_public_key(self.key.verifying_key())
    }

    /// The SEC1-compressed public key of the simulator key.
    pub fn public_key(&self) -> [u8; 33] {
        let mut bytes = [0u8; 33];
        bytes.copy_from_slice(&self.key.verifying_key().to_sec1_bytes());
        bytes
    }

    /// The measurement this attester declares.
    pub fn measurement(&self) -> &Measurement {
        &self.measurement
    }
}

impl fmt::Debug for SimAttester {
    // The signing key stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimAttester")
            .field("address", &self.address())
            .field("measurement", &hex::encode(self.measurement))
            .finish_non_exhaustive()
    }
}

impl Attester for SimAttester {
    fn attest(&self, report_data: &ReportData) -> Result<Evidence, TeeError> {
        let digest = signed_digest(&self.measurement, report_data);
        let signature: Signature = self
            .key
            .sign_prehash(&digest)
            .map_err(|_| TeeError::BadSignature { what: WHAT })?;
        let mut data = Vec::with_capacity(layout::LEN);
        data.extend_from_slice(&MAGIC);
        data.push(VERSION);
        data.extend_from_slice(&self.measurement);
        data.extend_from_slice(report_data);
        data.extend_from_slice(&self.public_key());
        data.extend_from_slice(&signature.to_bytes());
        Ok(Evidence {
            kind: EvidenceKind::Simulated,
            data,
        })
    }
}

/// Verifies simulator evidence signed by one of the simulator keys it trusts (none by
/// default: an empty list refuses all evidence).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimVerifier {
    trusted: Vec<Address>,
}

impl SimVerifier {
    /// A verifier trusting the simulator keys of these addresses.
    pub fn new(trusted: impl IntoIterator<Item = Address>) -> Self {
        Self {
            trusted: trusted.into_iter().collect(),
        }
    }

    /// A verifier trusting exactly `attester`'s simulator key.
    pub fn trusting(attester: &SimAttester) -> Self {
        Self::new([attester.address()])
    }

    /// The trusted simulator key addresses.
    pub fn trusted(&self) -> &[Address] {
        &self.trusted
    }
}

impl Verifier for SimVerifier {
    fn kind(&self) -> EvidenceKind {
        EvidenceKind::Simulated
    }

    /// Checks the layout, then that the signer is trusted, then the signature. `now` is
    /// unused: simulator evidence has no collateral to expire.
    fn verify(&self, evidence: &Evidence, _now: u64) -> Result<VerifiedReport, TeeError> {
        if evidence.kind != EvidenceKind::Simulated {
            return Err(TeeError::WrongKind {
                expected: EvidenceKind::Simulated,
                got: evidence.kind,
            });
        }
        let data = evidence.data.as_slice();
        if data.len() != layout::LEN {
            return Err(malformed(format!(
                "expected {} bytes, got {}",
                layout::LEN,
                data.len()
            )));
        }
        if data[layout::MAGIC] != MAGIC {
            return Err(malformed(format!(
                "bad magic {} (expected {})",
                hex::encode(&data[layout::MAGIC]),
                hex::encode(MAGIC)
            )));
        }
        if data[layout::VERSION] != VERSION {
            return Err(malformed(format!(
                "unsupported version {} (this verifier reads version {VERSION})",
                data[layout::VERSION]
            )));
        }
        let measurement = &data[layout::MEASUREMENT];
        let report_data = &data[layout::REPORT_DATA];
        let public_key = VerifyingKey::from_sec1_bytes(&data[layout::PUBLIC_KEY])
            .map_err(|_| malformed("the signer's public key is not a secp256k1 point".into()))?;

        // Trust first: a signature by an unknown key proves nothing, so it is not worth
        // checking.
        let signer = Address::from_public_key(&public_key);
        if !self.trusted.contains(&signer) {
            return Err(TeeError::UntrustedSigner {
                what: WHAT,
                got: signer.to_string(),
                trusted: self.trusted.iter().map(Address::to_string).collect(),
            });
        }

        // `verify_prehash` refuses high-`s` signatures, so the evidence is not malleable.
        let signature = Signature::from_slice(&data[layout::SIGNATURE])
            .map_err(|_| TeeError::BadSignature { what: WHAT })?;
        let mut report_data_array = [0u8; REPORT_DATA_LEN];
        report_data_array.copy_from_slice(report_data);
        let mut measurement_array = [0u8; 32];
        measurement_array.copy_from_slice(measurement);
        public_key
            .verify_prehash(
                &signed_digest(&measurement_array, &report_data_array),
                &signature,
            )
            .map_err(|_| TeeError::BadSignature { what: WHAT })?;

        Ok(VerifiedReport {
            platform: Platform::Simulated,
            measurements: Measurements::Simulated {
                measurement: measurement.to_vec(),
            },
            report_data: report_data.to_vec(),
            tcb_status: TcbStatus::UpToDate,
            advisories: Vec::new(),
            simulated: true,
        })
    }
}

/// The SHA-256 of the running executable: the measurement a simulated worker declares.
pub fn measurement_of_current_exe() -> Result<Measurement, TeeError> {
    let path = std::env::current_exe().map_err(|source| TeeError::Io {
        what: "locating the current executable".into(),
        source,
    })?;
    measurement_of_file(&path)
}

/// The SHA-256 of the file at `path`, read in a stream.
pub fn measurement_of_file(path: &Path) -> Result<Measurement, TeeError> {
    let io_error = |source| TeeError::Io {
        what: format!("measuring {}", path.display()),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io_error)?;
    Ok(hasher.finalize().into())
}

fn signed_digest(measurement: &Measurement, report_data: &ReportData) -> [u8; 32] {
    Sha256::new()
        .chain_update(EVIDENCE_DOMAIN)
        .chain_update(measurement)
        .chain_update(report_data)
        .finalize()
        .into()
}

fn malformed(reason: String) -> TeeError {
    TeeError::Malformed { what: WHAT, reason }
}
