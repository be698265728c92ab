//! Secret release to an attested enclave (`POST /tee/sessions`).
//!
//! The enclave sends its evidence, the session binding it attested (task, app digest, enclave
//! challenge, X25519 key) and the worker authorization; the worker signs the request. Secrets
//! are released only when, in this order: the request is consistent and signed by the
//! authorized worker; the task is ACTIVE and its deal a TEE deal; the authorization is signed by
//! the deal's workerpool owner; the enclave challenge is the one this SMS issued for the task;
//! the evidence verifies (simulated evidence only in dev mode), satisfies the policy and binds
//! this very session; the attested app digest is the deal app's on-chain checksum; every
//! dataset is granted to the deal (bulk deals: each dataset order checked on-chain); and every
//! secret the task needs exists. Secrets go back sealed to the session's X25519 key.

use std::collections::BTreeMap;
use std::fmt;

use alloy_primitives::{Address, B256, U256, hex};
use alloy_signer_local::PrivateKeySigner;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use confide_protocol::authorization::WorkerpoolAuthorization;
use confide_protocol::order::DatasetOrder;
use confide_protocol::params::DealParams;
use confide_protocol::{SignedOrder, Tag, ids, signature};
use confide_tee::session::SessionBinding;
use confide_tee::{Evidence, EvidenceKind, VerifiedReport};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::chain::{self, TaskOnChain};
use crate::error::{Refusal, SmsError};
use crate::service::Sms;
use crate::store::{ChallengeKey, SecretId};

/// Web2 secret holding the beneficiary's result-encryption public key.
pub const RESULT_ENCRYPTION_KEY_NAME: &str = "iexec-result-encryption-public-key";
/// The smallest volume of a dataset order usable in bulk (JavaScript's `MAX_SAFE_INTEGER − 1`).
pub const BULK_MIN_VOLUME: u64 = 9_007_199_254_740_990;
const TASK_ACTIVE: u8 = 1;

/// What an enclave sends to get its task's secrets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionRequest {
    /// The scheduler's authorization of the worker for the task.
    pub authorization: WorkerpoolAuthorization,
    /// What the evidence binds.
    pub binding: SessionBinding,
    /// The enclave's evidence over `binding.report_data()`.
    pub evidence: Evidence,
    /// For bulk deals: the signed dataset orders of this task's slice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset_orders: Vec<SignedOrder<DatasetOrder>>,
}

/// The answer: the secrets sealed to the session key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    /// The task.
    pub task_id: B256,
    /// Base64 of the HPKE envelope of a JSON [`ReleasedSecrets`].
    pub sealed_secrets: String,
}

/// What the enclave finds in the envelope. Zeroized on drop; `Debug` shows no value.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedSecrets {
    /// The task.
    pub task_id: B256,
    /// The enclave challenge's private key (0x-hex), to sign the result.
    pub enclave_challenge_key: String,
    /// Dataset keys, in the deal's order (the deal's dataset, or the bulk slice's).
    pub datasets: Vec<DatasetKey>,
    /// The app developer's secret.
    pub app_developer_secret: Option<String>,
    /// The requester's secrets by index (`IEXEC_REQUESTER_SECRET_<n>`).
    pub requester_secrets: BTreeMap<u32, String>,
    /// The beneficiary's result-encryption public key, when the deal asks for encryption.
    pub result_encryption_key: Option<String>,
}

/// A dataset and its key.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DatasetKey {
    /// The dataset.
    pub address: Address,
    /// Its key, as pushed by the owner.
    pub key: String,
}

impl Drop for ReleasedSecrets {
    fn drop(&mut self) {
        self.enclave_challenge_key.zeroize();
        for dataset in &mut self.datasets {
            dataset.key.zeroize();
        }
        if let Some(secret) = &mut self.app_developer_secret {
            secret.zeroize();
        }
        for secret in self.requester_secrets.values_mut() {
            secret.zeroize();
        }
    }
}

impl fmt::Debug for ReleasedSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleasedSecrets")
            .field("task_id", &self.task_id)
            .field(
                "datasets",
                &self.datasets.iter().map(|d| d.address).collect::<Vec<_>>(),
            )
            .field("app_developer_secret", &self.app_developer_secret.is_some())
            .field(
                "requester_secrets",
                &self.requester_secrets.keys().collect::<Vec<_>>(),
            )
            .field(
                "result_encryption_key",
                &self.result_encryption_key.is_some(),
            )
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for DatasetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatasetKey")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl SessionResponse {
    /// Opens the envelope inside the enclave.
    pub fn open(
        &self,
        session: &confide_tee::session::EnclaveSession,
    ) -> Result<ReleasedSecrets, SmsError> {
        let sealed = STANDARD
            .decode(&self.sealed_secrets)
            .map_err(|e| SmsError::BadRequest(format!("sealedSecrets is not base64: {e}")))?;
        let plaintext = session.open(&sealed).map_err(Refusal::Evidence)?;
        serde_json::from_slice(&plaintext)
            .map_err(|e| SmsError::BadRequest(format!("released secrets do not parse: {e}")))
    }
}

impl Sms {
    /// Checks everything and seals the task's secrets to the session key. `worker_signature`
    /// is the worker's personal signature of the authorization hash.
    pub async fn release(
        &self,
        request: &SessionRequest,
        worker_signature: &[u8],
        now: u64,
    ) -> Result<SessionResponse, SmsError> {
        let authorization = &request.authorization;
        let task_id = authorization.chain_task_id;
        check_consistency(request)?;
        let signer = signature::recover_personal_signer(&authorization.hash(), worker_signature)?;
        if signer != authorization.worker_wallet {
            return Err(Refusal::WorkerSignature {
                expected: authorization.worker_wallet,
                got: signer,
            }
            .into());
        }
        let TaskOnChain { task, deal } = chain::task_and_deal(&self.chain, task_id).await?;
        if task.status != TASK_ACTIVE {
            return Err(Refusal::TaskNotActive {
                task: task_id,
                status: task.status,
            }
            .into());
        }
        if !Tag(deal.tag).is_tee() {
            return Err(Refusal::NotTeeDeal(task.dealid).into());
        }
        authorization
            .verify(deal.workerpool.owner)
            .map_err(|error| Refusal::AuthorizationNotByWorkerpoolOwner {
                expected: deal.workerpool.owner,
                reason: error.to_string(),
            })?;
        let challenge = self.store.challenge(task_id).await?;
        let challenge = challenge.map(|key| challenge_signer(&key)).transpose()?;
        let issued = challenge.as_ref().map(PrivateKeySigner::address);
        if issued != Some(authorization.enclave_challenge) {
            return Err(Refusal::EnclaveChallenge {
                task: task_id,
                issued,
                claimed: authorization.enclave_challenge,
            }
            .into());
        }
        let report = self.verify_evidence(&request.evidence, now)?;
        request.binding.check(&report).map_err(Refusal::Evidence)?;
        let expected = chain::app_checksum(&self.chain, deal.app.pointer).await?;
        if request.binding.app_digest != expected {
            return Err(Refusal::AppDigestMismatch {
                expected,
                got: request.binding.app_digest,
            }
            .into());
        }
        let params = DealParams::parse(&deal.params)
            .map_err(|e| SmsError::BadRequest(format!("the deal's params are invalid: {e}")))?;
        let datasets = self
            .granted_datasets(task.dealid, &deal, &params, &request.dataset_orders)
            .await?;

        let mut secrets = ReleasedSecrets {
            task_id,
            enclave_challenge_key: challenge
                .map(|key| hex::encode_prefixed(key.to_bytes()))
                .unwrap_or_default(),
            datasets: Vec::new(),
            app_developer_secret: None,
            requester_secrets: BTreeMap::new(),
            result_encryption_key: None,
        };
        for dataset in datasets {
            let key = self
                .required(SecretId::Web3 { address: dataset }, || {
                    format!("the key of dataset {dataset}")
                })
                .await?;
            secrets.datasets.push(DatasetKey {
                address: dataset,
                key,
            });
        }
        secrets.app_developer_secret = self
            .optional(SecretId::AppDeveloper {
                app: deal.app.pointer,
                index: 1,
            })
            .await?;
        for (index, name) in &params.iexec_secrets {
            let id = SecretId::Requester {
                requester: deal.requester,
                key: name.clone(),
            };
            let value = self
                .required(id, || {
                    format!("requester secret {name:?} of {}", deal.requester)
                })
                .await?;
            secrets.requester_secrets.insert(*index, value);
        }
        if params.iexec_result_encryption {
            let beneficiary = if deal.beneficiary == Address::ZERO {
                deal.requester
            } else {
                deal.beneficiary
            };
            let id = SecretId::Web2 {
                owner: beneficiary,
                name: RESULT_ENCRYPTION_KEY_NAME.to_owned(),
            };
            secrets.result_encryption_key = Some(
                self.required(id, || format!("the result-encryption key of {beneficiary}"))
                    .await?,
            );
        }
        let plaintext = Zeroizing::new(
            serde_json::to_vec(&secrets)
                .map_err(|e| SmsError::BadRequest(format!("cannot encode secrets: {e}")))?,
        );
        let sealed = request
            .binding
            .seal(&plaintext)
            .map_err(Refusal::Evidence)?;
        Ok(SessionResponse {
            task_id,
            sealed_secrets: STANDARD.encode(sealed),
        })
    }

    fn verify_evidence(&self, evidence: &Evidence, now: u64) -> Result<VerifiedReport, Refusal> {
        if evidence.kind == EvidenceKind::Simulated && !self.config.dev_mode {
            return Err(Refusal::SimulatedOutsideDevMode);
        }
        let verifier = self
            .verifiers
            .iter()
            .find(|verifier| verifier.kind() == evidence.kind)
            .ok_or(confide_tee::TeeError::NoVerifier(evidence.kind))?;
        let report = verifier.verify(evidence, now)?;
        let mut policy = self.config.policy.clone();
        policy.allow_simulated = self.config.dev_mode;
        policy.check(&report).map_err(confide_tee::TeeError::from)?;
        Ok(report)
    }

    /// The datasets of the task: the deal's own (granted by the match itself), or for a bulk
    /// deal those of the slice's orders, each checked against the deal on-chain.
    async fn granted_datasets(
        &self,
        deal_id: B256,
        deal: &confide_chain::artifacts::bindings::Types::Deal,
        params: &DealParams,
        orders: &[SignedOrder<DatasetOrder>],
    ) -> Result<Vec<Address>, SmsError> {
        if params.bulk_cid.is_none() {
            if !orders.is_empty() {
                return Err(SmsError::BadRequest(
                    "dataset orders are only sent for bulk deals".into(),
                ));
            }
            return Ok(Some(deal.dataset.pointer)
                .filter(|dataset| *dataset != Address::ZERO)
                .into_iter()
                .collect());
        }
        if orders.is_empty() {
            return Err(SmsError::BadRequest(
                "a bulk deal's session needs the dataset orders of its slice".into(),
            ));
        }
        let mut datasets = Vec::with_capacity(orders.len());
        for order in orders {
            let dataset = order.order.dataset;
            if order.order.volume < U256::from(BULK_MIN_VOLUME) {
                return Err(Refusal::AccessNotGranted {
                    dataset,
                    reason: format!(
                        "volume {} is below the bulk minimum {BULK_MIN_VOLUME}",
                        order.order.volume
                    ),
                }
                .into());
            }
            if let Some(reason) = chain::dataset_order_refusal(&self.chain, order, deal_id).await? {
                return Err(Refusal::AccessNotGranted { dataset, reason }.into());
            }
            datasets.push(dataset);
        }
        Ok(datasets)
    }

    async fn required(
        &self,
        id: SecretId,
        describe: impl FnOnce() -> String,
    ) -> Result<String, SmsError> {
        self.optional(id)
            .await?
            .ok_or_else(|| Refusal::MissingSecret(describe()).into())
    }

    async fn optional(&self, id: SecretId) -> Result<Option<String>, SmsError> {
        let Some(value) = self.store.secret(&id).await? else {
            return Ok(None);
        };
        // Values are checked to be UTF-8 when pushed.
        String::from_utf8(value.to_vec())
            .map(Some)
            .map_err(|_| SmsError::BadRequest(format!("{id} is not UTF-8")))
    }
}

/// The challenge's key as a signer.
pub(crate) fn challenge_signer(key: &ChallengeKey) -> Result<PrivateKeySigner, SmsError> {
    PrivateKeySigner::from_bytes(&B256::from(*key.private_key))
        .map_err(|e| SmsError::BadRequest(format!("stored enclave challenge is invalid: {e}")))
}

/// The authorization, binding and task id must name the same task and challenge.
fn check_consistency(request: &SessionRequest) -> Result<(), Refusal> {
    let authorization = &request.authorization;
    let actual = ids::task_id(authorization.deal_id, authorization.task_index);
    for claimed in [authorization.chain_task_id, request.binding.task_id] {
        if claimed != actual {
            return Err(Refusal::TaskMismatch {
                claimed,
                deal_id: authorization.deal_id,
                index: authorization.task_index.to_string(),
                actual,
            });
        }
    }
    if request.binding.enclave_challenge != authorization.enclave_challenge {
        return Err(Refusal::EnclaveChallenge {
            task: actual,
            issued: None,
            claimed: request.binding.enclave_challenge,
        });
    }
    Ok(())
}
