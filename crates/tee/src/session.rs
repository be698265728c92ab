//! The enclave's per-task session (DESIGN.md §6).
//!
//! For each task the enclave holds the task's enclave challenge (a secp256k1 key whose address
//! the SMS hands out and the chain checks result signatures against) and a fresh X25519 key on
//! which it receives secrets. Its evidence binds both, with the task and the app it runs:
//!
//! `report_data = SHA-512("confide/tee/session/v1" ‖ enclaveChallenge (20) ‖ x25519 (32) ‖
//! taskId (32) ‖ appDigest (32))`
//!
//! Every field has a fixed length, so the concatenation is unambiguous. The SMS recomputes this
//! from the task it releases secrets for: evidence made for another task, app or key does not
//! match. Secrets travel in an HPKE envelope sealed to the X25519 key, with the task id in the
//! HPKE info and the report data as associated data.

use alloy_primitives::{Address, B256, hex};
use confide_crypto::result::{ResultPublicKey, ResultSecretKey, open_envelope, seal_envelope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::error::TeeError;
use crate::evidence::{REPORT_DATA_LEN, ReportData, VerifiedReport};

const REPORT_DATA_DOMAIN: &[u8] = b"confide/tee/session/v1";
const ENVELOPE_INFO: &[u8] = b"confide/tee/secrets/v1";

/// The public facts an enclave's evidence binds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionBinding {
    /// The task.
    pub task_id: B256,
    /// The digest of the app the enclave runs (its module's SHA-256).
    pub app_digest: B256,
    /// The task's enclave challenge address.
    pub enclave_challenge: Address,
    /// The X25519 key secrets are sealed to (base64 in JSON).
    pub receiver_key: ResultPublicKey,
}

impl SessionBinding {
    /// The report data the evidence must carry.
    pub fn report_data(&self) -> ReportData {
        let mut hasher = Sha512::new();
        hasher.update(REPORT_DATA_DOMAIN);
        hasher.update(self.enclave_challenge);
        hasher.update(self.receiver_key.as_bytes());
        hasher.update(self.task_id);
        hasher.update(self.app_digest);
        let mut data = [0u8; REPORT_DATA_LEN];
        data.copy_from_slice(&hasher.finalize());
        data
    }

    /// Fails unless `report` carries this binding's report data.
    pub fn check(&self, report: &VerifiedReport) -> Result<(), TeeError> {
        let expected = self.report_data();
        if report.report_data.as_slice() == expected.as_slice() {
            Ok(())
        } else {
            Err(TeeError::ReportDataMismatch {
                expected: hex::encode(expected),
                got: hex::encode(&report.report_data),
            })
        }
    }

    /// Seals `secrets` so that only the enclave holding the receiver key, in this session,
    /// opens them.
    pub fn seal(&self, secrets: &[u8]) -> Result<Vec<u8>, TeeError> {
        Ok(seal_envelope(
            &self.receiver_key,
            &self.envelope_info(),
            &self.report_data(),
            secrets,
        )?)
    }

    fn envelope_info(&self) -> Vec<u8> {
        let mut info = ENVELOPE_INFO.to_vec();
        info.extend_from_slice(self.task_id.as_slice());
        info
    }
}

/// The enclave side: the binding and the X25519 secret.
#[derive(Debug)]
pub struct EnclaveSession {
    binding: SessionBinding,
    receiver_secret: ResultSecretKey,
}

impl EnclaveSession {
    /// A new session for `task_id` running the app of `app_digest` under `enclave_challenge`,
    /// with a fresh X25519 key.
    pub fn new(
        task_id: B256,
        app_digest: B256,
        enclave_challenge: Address,
    ) -> Result<Self, TeeError> {
        let receiver_secret = ResultSecretKey::generate()
            .map_err(|error| TeeError::Envelope(confide_crypto::result::ResultError::Key(error)))?;
        Ok(Self {
            binding: SessionBinding {
                task_id,
                app_digest,
                enclave_challenge,
                receiver_key: receiver_secret.public_key(),
            },
            receiver_secret,
        })
    }

    /// The public binding (sent with the evidence).
    pub fn binding(&self) -> &SessionBinding {
        &self.binding
    }

    /// The report data to attest.
    pub fn report_data(&self) -> ReportData {
        self.binding.report_data()
    }

    /// Opens secrets sealed by [`SessionBinding::seal`] for this session.
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, TeeError> {
        Ok(open_envelope(
            &self.receiver_secret,
            &self.binding.envelope_info(),
            &self.binding.report_data(),
            sealed,
        )?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::evidence::{Measurements, Platform, TcbStatus};

    fn report(data: ReportData) -> VerifiedReport {
        VerifiedReport {
            platform: Platform::Simulated,
            measurements: Measurements::Simulated {
                measurement: vec![0; 32],
            },
            report_data: data.to_vec(),
            tcb_status: TcbStatus::UpToDate,
            advisories: vec![],
            simulated: true,
        }
    }

    #[test]
    fn report_data_binds_every_field() {
        let session = EnclaveSession::new(
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            Address::repeat_byte(3),
        )
        .unwrap();
        let binding = session.binding().clone();
        binding.check(&report(session.report_data())).unwrap();
        let variants = [
            SessionBinding {
                task_id: B256::repeat_byte(9),
                ..binding.clone()
            },
            SessionBinding {
                app_digest: B256::repeat_byte(9),
                ..binding.clone()
            },
            SessionBinding {
                enclave_challenge: Address::repeat_byte(9),
                ..binding.clone()
            },
            SessionBinding {
                receiver_key: ResultSecretKey::generate().unwrap().public_key(),
                ..binding.clone()
            },
        ];
        for other in variants {
            assert!(matches!(
                other.check(&report(session.report_data())),
                Err(TeeError::ReportDataMismatch { .. })
            ));
        }
    }

    #[test]
    fn secrets_open_only_in_their_session() {
        let session = EnclaveSession::new(
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            Address::repeat_byte(3),
        )
        .unwrap();
        let sealed = session.binding().seal(b"dataset key").unwrap();
        assert_eq!(session.open(&sealed).unwrap().as_slice(), b"dataset key");

        // Same key material, another task: the envelope does not open.
        let mut moved = session.binding().clone();
        moved.task_id = B256::repeat_byte(7);
        let other = EnclaveSession {
            binding: moved,
            receiver_secret: ResultSecretKey::from_bytes(session.receiver_secret.as_bytes())
                .unwrap(),
        };
        assert!(matches!(other.open(&sealed), Err(TeeError::Envelope(_))));
    }
}
