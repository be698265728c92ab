//! The wire model between a workerpool's scheduler and its workers (JSON, camelCase), shared so
//! the worker never depends on the scheduler.
//!
//! Every worker call is signed: headers [`WORKER_HEADER`] (the worker's address),
//! [`TIMESTAMP_HEADER`] (unix milliseconds) and [`AUTHORIZATION_HEADER`] (`0x` + the 65-byte
//! EIP-191 personal signature of [`worker_request_hash`]). The scheduler refuses a timestamp more
//! than [`MAX_CLOCK_SKEW_MS`] away from its clock, or not strictly greater than the last one it
//! accepted from that worker (a replay).
//!
//! Nothing here is trusted by the worker without checking the chain: an [`Assignment`]'s
//! authorization is verified against the workerpool's on-chain owner, the task's state read
//! from the chain.

use crate::authorization::WorkerpoolAuthorization;
use crate::replicate::ReplicateFailure;
use crate::signature::{self, SignatureError};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_signer::{Signer, SignerSync};
use serde::{Deserialize, Serialize};

/// The worker's address (`0x…`, any case).
pub const WORKER_HEADER: &str = "X-Confide-Worker";
/// The request's time, unix milliseconds (decimal).
pub const TIMESTAMP_HEADER: &str = "X-Confide-Timestamp";
/// `0x` + the 65-byte signature of [`worker_request_hash`].
pub const AUTHORIZATION_HEADER: &str = "Authorization";
/// Largest accepted distance between a request's timestamp and the scheduler's clock.
pub const MAX_CLOCK_SKEW_MS: u64 = 60_000;
/// Domain separator of signed worker requests (so the signature means nothing elsewhere).
pub const REQUEST_DOMAIN: &[u8] = b"confide/scheduler/v1";

/// What a worker signs for one HTTP request:
/// `keccak256("confide/scheduler/v1" ‖ method ‖ 0x00 ‖ path_and_query ‖ 0x00 ‖ timestamp_ms
/// (u64 big-endian) ‖ keccak256(body))`.
///
/// `method` is the upper-case HTTP method (`POST`), `path_and_query` the request target as sent
/// (`/tasks?deal=0x…`), without scheme or host.
pub fn worker_request_hash(
    method: &str,
    path_and_query: &str,
    timestamp_ms: u64,
    body: &[u8],
) -> B256 {
    let mut preimage =
        Vec::with_capacity(REQUEST_DOMAIN.len() + method.len() + path_and_query.len() + 2 + 8 + 32);
    preimage.extend_from_slice(REQUEST_DOMAIN);
    preimage.extend_from_slice(method.as_bytes());
    preimage.push(0);
    preimage.extend_from_slice(path_and_query.as_bytes());
    preimage.push(0);
    preimage.extend_from_slice(&timestamp_ms.to_be_bytes());
    preimage.extend_from_slice(keccak256(body).as_slice());
    keccak256(preimage)
}

/// The three header values of a signed worker request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequestHeaders {
    /// [`WORKER_HEADER`].
    pub worker: String,
    /// [`TIMESTAMP_HEADER`].
    pub timestamp: String,
    /// [`AUTHORIZATION_HEADER`].
    pub authorization: String,
}

/// Signs a request as `worker` would: the values of the three headers.
pub fn sign_worker_request(
    worker: &(impl SignerSync + Signer + ?Sized),
    method: &str,
    path_and_query: &str,
    timestamp_ms: u64,
    body: &[u8],
) -> Result<SignedRequestHeaders, alloy_signer::Error> {
    let hash = worker_request_hash(method, path_and_query, timestamp_ms, body);
    let signature = signature::sign_personal(worker, &hash)?;
    Ok(SignedRequestHeaders {
        worker: worker.address().to_checksum(None),
        timestamp: timestamp_ms.to_string(),
        authorization: signature.to_string(),
    })
}

/// Checks that `signature` over the request is by `worker` (the claimed address).
pub fn verify_worker_request(
    worker: Address,
    method: &str,
    path_and_query: &str,
    timestamp_ms: u64,
    body: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let hash = worker_request_hash(method, path_and_query, timestamp_ms, body);
    signature::verify_personal(&hash, signature, worker)
}

/// `POST /workers`: a worker joins the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerRegistration {
    /// How many replicates it runs at once (at least 1).
    pub capacity: u32,
    /// Whether it runs TEE tasks (an attester is configured).
    pub tee: bool,
    /// The worker's software version.
    pub version: String,
}

/// The answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredWorker {
    /// The registered worker.
    pub worker: Address,
    /// The workerpool the scheduler manages.
    pub workerpool: Address,
    /// The address signing authorizations (the pool's owner; the worker checks it on-chain).
    pub scheduler: Address,
    /// The chain the pool is on.
    pub chain_id: u64,
    /// Send a heartbeat at least this often.
    pub heartbeat_interval_ms: u64,
    /// A worker silent for longer is lost: its replicates go to others.
    pub worker_timeout_ms: u64,
    /// The worker's free (unlocked) stake on-chain, nRLC, decimal.
    #[serde(with = "crate::serde_helpers::uint")]
    pub free_stake: U256,
    /// The worker's on-chain score.
    #[serde(with = "crate::serde_helpers::uint")]
    pub score: U256,
}

/// `POST /workers/heartbeat`: the worker is alive and running these tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// Tasks it is working on (computing, contributing, revealing, uploading).
    pub running: Vec<B256>,
}

/// The answer to a heartbeat. Hints only: the worker checks the chain before acting on any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatResponse {
    /// Tasks to stop working on (reassigned, completed, failed, unknown to the scheduler).
    pub abandon: Vec<B256>,
    /// Tasks in their reveal phase where this worker's contribution is in the consensus group
    /// and not yet revealed.
    pub reveal: Vec<B256>,
    /// Tasks whose result the scheduler waits for from this worker (it revealed, nothing
    /// uploaded yet): `PUT /replicates/{taskId}/result`.
    pub upload: Vec<B256>,
}

/// How a task is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskMode {
    /// Trust 1, in an attested enclave: one worker, `contributeAndFinalize`.
    Tee,
    /// Several workers, `contribute` / `reveal`, finalized by the scheduler.
    Replicated,
}

/// `POST /replicates/next` (200): a task for the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    /// The scheduler's signed permission to contribute.
    pub authorization: WorkerpoolAuthorization,
    /// The SMS holding the task's secrets (TEE tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_url: Option<String>,
    /// How to run it.
    pub mode: TaskMode,
}

/// `POST /replicates/{taskId}/report`: what the worker did (or why it could not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ReplicateReport {
    /// `contribute` mined.
    Contributed {
        /// The contributed `resultHash`.
        result_hash: B256,
        /// The transaction.
        tx: B256,
    },
    /// `reveal` mined.
    Revealed {
        /// The transaction.
        tx: B256,
    },
    /// `contributeAndFinalize` mined (TEE): the task is completed.
    Completed {
        /// The transaction.
        tx: B256,
    },
    /// The replicate failed.
    Failed(ReplicateFailure),
}

/// The scheduler's view of a task (off-chain state; see the scheduler's state machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskState {
    /// Known from its deal; not initialized on-chain.
    Received,
    /// `initialize` sent.
    Initializing,
    /// ACTIVE on-chain; a TEE task waits for its enclave challenge.
    Initialized,
    /// Replicates can be handed out.
    Running,
    /// A worker reported a failure of the task itself: no more replicates; claimed at the
    /// final deadline.
    RunningFailed,
    /// The contribution deadline passed without consensus; claimed at the final deadline.
    ContributionTimeout,
    /// REVEALING on-chain: waiting for the winners' reveals and a result.
    ConsensusReached,
    /// `reopen` sent (the reveal deadline passed with no reveal).
    Reopening,
    /// A revealed winner uploaded the result; waiting for the finalize condition.
    ResultUploaded,
    /// `finalize` sent.
    Finalizing,
    /// The final deadline passed: `claim` sent.
    FinalDeadlineReached,
    /// COMPLETED on-chain.
    Completed,
    /// FAILED on-chain (claimed: the requester refunded).
    Failed,
    /// Not run (a TEE deal with trust > 1, or a deal received past its contribution
    /// deadline): only claimed at the final deadline.
    Skipped,
}

impl TaskState {
    /// Every state.
    pub const ALL: [Self; 14] = [
        Self::Received,
        Self::Initializing,
        Self::Initialized,
        Self::Running,
        Self::RunningFailed,
        Self::ContributionTimeout,
        Self::ConsensusReached,
        Self::Reopening,
        Self::ResultUploaded,
        Self::Finalizing,
        Self::FinalDeadlineReached,
        Self::Completed,
        Self::Failed,
        Self::Skipped,
    ];

    /// The stable name (`CONSENSUS_REACHED`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Received => "RECEIVED",
            Self::Initializing => "INITIALIZING",
            Self::Initialized => "INITIALIZED",
            Self::Running => "RUNNING",
            Self::RunningFailed => "RUNNING_FAILED",
            Self::ContributionTimeout => "CONTRIBUTION_TIMEOUT",
            Self::ConsensusReached => "CONSENSUS_REACHED",
            Self::Reopening => "REOPENING",
            Self::ResultUploaded => "RESULT_UPLOADED",
            Self::Finalizing => "FINALIZING",
            Self::FinalDeadlineReached => "FINAL_DEADLINE_REACHED",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Skipped => "SKIPPED",
        }
    }

    /// Parses a stable name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }

    /// Nothing more will happen to the task.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One worker's run of one task, as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReplicateState {
    /// Authorization handed out; nothing reported yet.
    Assigned,
    /// Contributed on-chain.
    Contributed,
    /// Revealed on-chain.
    Revealed,
    /// Its result was uploaded and checked.
    ResultUploaded,
    /// `contributeAndFinalize` (TEE) or the task finalized with this replicate.
    Completed,
    /// The worker reported a failure.
    Failed,
    /// Taken back: the worker was lost, or the task no longer needs it.
    Released,
}

impl ReplicateState {
    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Assigned => "ASSIGNED",
            Self::Contributed => "CONTRIBUTED",
            Self::Revealed => "REVEALED",
            Self::ResultUploaded => "RESULT_UPLOADED",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Released => "RELEASED",
        }
    }

    /// Parses a stable name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Assigned,
            Self::Contributed,
            Self::Revealed,
            Self::ResultUploaded,
            Self::Completed,
            Self::Failed,
            Self::Released,
        ]
        .into_iter()
        .find(|state| state.name() == name)
    }

    /// The worker still holds it (counts against its capacity).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Assigned | Self::Contributed | Self::Revealed)
    }
}

/// A replicate in a [`TaskView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicateView {
    /// The worker.
    pub worker: Address,
    /// Its state.
    pub state: ReplicateState,
    /// The contributed result hash, once contributed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_hash: Option<B256>,
    /// The failure reported, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ReplicateFailure>,
    /// When it was handed out, unix ms.
    pub assigned_at_ms: u64,
}

/// `GET /tasks/{taskId}`: a task for operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    /// The task.
    pub task_id: B256,
    /// Its deal.
    pub deal_id: B256,
    /// Its index in the deal.
    pub task_index: u64,
    /// How it runs.
    pub mode: TaskMode,
    /// The deal's trust (≥ 1).
    pub trust: u64,
    /// The off-chain state.
    pub state: TaskState,
    /// The enclave challenge obtained from the SMS (TEE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enclave_challenge: Option<Address>,
    /// Contributions accepted before this time (unix s).
    pub contribution_deadline: u64,
    /// Claimable from this time (unix s).
    pub final_deadline: u64,
    /// The `results` location finalized or to be finalized (`/ipfs/<cid>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_location: Option<String>,
    /// Replicates handed out, oldest first.
    pub replicates: Vec<ReplicateView>,
    /// The last error met while driving the task (retried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Last change, unix ms.
    pub updated_at_ms: u64,
}

/// `GET /tasks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskList {
    /// The tasks, by deal then index.
    pub tasks: Vec<TaskView>,
}

/// A worker for operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerView {
    /// The worker.
    pub worker: Address,
    /// Replicates it runs at once.
    pub capacity: u32,
    /// Runs TEE tasks.
    pub tee: bool,
    /// Software version.
    pub version: String,
    /// Replicates it holds now.
    pub active_replicates: u32,
    /// Last heartbeat or registration, unix ms.
    pub last_seen_ms: u64,
    /// Silent for longer than the timeout.
    pub lost: bool,
    /// Free stake read at registration, nRLC, decimal.
    #[serde(with = "crate::serde_helpers::uint")]
    pub free_stake: U256,
}

/// `GET /workers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerList {
    /// Every registered worker.
    pub workers: Vec<WorkerView>,
}

/// The answer to `PUT /replicates/{taskId}/result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultUploaded {
    /// The digest recomputed from the zip (equal to the on-chain `resultDigest`).
    pub result_digest: B256,
    /// The stored result (`/ipfs/<cid>`), what `finalize` will write.
    pub location: String,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable code (`STALE_TIMESTAMP`…), see [`error_codes`].
    pub error: String,
    /// A human explanation.
    pub message: String,
}

/// The stable error codes of the scheduler API.
pub mod error_codes {
    /// A signature header is missing or malformed.
    pub const MISSING_SIGNATURE: &str = "MISSING_SIGNATURE";
    /// The signature is not the claimed worker's over this request.
    pub const BAD_SIGNATURE: &str = "BAD_SIGNATURE";
    /// The timestamp is more than a minute away from the scheduler's clock.
    pub const TIMESTAMP_OUT_OF_WINDOW: &str = "TIMESTAMP_OUT_OF_WINDOW";
    /// The timestamp is not after the last one accepted from this worker (a replay).
    pub const STALE_TIMESTAMP: &str = "STALE_TIMESTAMP";
    /// The worker has not registered.
    pub const UNKNOWN_WORKER: &str = "UNKNOWN_WORKER";
    /// The task is not known to this scheduler.
    pub const UNKNOWN_TASK: &str = "UNKNOWN_TASK";
    /// The worker holds no replicate of this task.
    pub const NOT_ASSIGNED: &str = "NOT_ASSIGNED";
    /// The request's body is malformed.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// The body is larger than allowed.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The contribution, reveal or completion reported is not on-chain (yet).
    pub const NOT_ON_CHAIN: &str = "NOT_ON_CHAIN";
    /// The worker has not revealed for this task on-chain.
    pub const NOT_REVEALED: &str = "NOT_REVEALED";
    /// The task is not waiting for a result.
    pub const NOT_EXPECTING_RESULT: &str = "NOT_EXPECTING_RESULT";
    /// The uploaded zip is invalid (bomb, path trick, no computed.json...).
    pub const INVALID_RESULT: &str = "INVALID_RESULT";
    /// The uploaded result's digest differs from the on-chain `resultDigest`.
    pub const DIGEST_MISMATCH: &str = "DIGEST_MISMATCH";
    /// The chain could not be read or written.
    pub const CHAIN_UNAVAILABLE: &str = "CHAIN_UNAVAILABLE";
    /// The result could not be stored.
    pub const STORAGE_UNAVAILABLE: &str = "STORAGE_UNAVAILABLE";
    /// Anything else on the scheduler's side.
    pub const INTERNAL: &str = "INTERNAL";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::replicate::ReplicateCause;
    use alloy_primitives::Bytes;
    use alloy_signer_local::PrivateKeySigner;
    use serde_json::json;

    #[test]
    fn request_hash_is_the_documented_preimage() {
        let body = br#"{"running":[]}"#;
        let mut preimage = b"confide/scheduler/v1POST\0/workers/heartbeat\0".to_vec();
        preimage.extend_from_slice(&1_700_000_000_123u64.to_be_bytes());
        preimage.extend_from_slice(keccak256(body).as_slice());
        assert_eq!(
            worker_request_hash("POST", "/workers/heartbeat", 1_700_000_000_123, body),
            keccak256(&preimage)
        );
        // Every part is bound.
        let base = worker_request_hash("POST", "/a", 1, b"x");
        assert_ne!(base, worker_request_hash("PUT", "/a", 1, b"x"));
        assert_ne!(base, worker_request_hash("POST", "/b", 1, b"x"));
        assert_ne!(base, worker_request_hash("POST", "/a", 2, b"x"));
        assert_ne!(base, worker_request_hash("POST", "/a", 1, b"y"));
        // The separators keep method and path apart.
        assert_ne!(
            worker_request_hash("POS", "T/a", 1, b""),
            worker_request_hash("POST", "/a", 1, b"")
        );
    }

    #[test]
    fn signed_requests_verify_only_for_their_worker() {
        let worker = PrivateKeySigner::random();
        let headers = sign_worker_request(&worker, "POST", "/replicates/next", 42, b"").unwrap();
        assert_eq!(headers.timestamp, "42");
        assert_eq!(headers.worker.parse::<Address>().unwrap(), worker.address());
        let signature: Bytes = headers.authorization.parse().unwrap();
        assert_eq!(signature.len(), 65);
        verify_worker_request(
            worker.address(),
            "POST",
            "/replicates/next",
            42,
            b"",
            &signature,
        )
        .unwrap();
        assert!(matches!(
            verify_worker_request(
                Address::repeat_byte(1),
                "POST",
                "/replicates/next",
                42,
                b"",
                &signature
            ),
            Err(SignatureError::SignerMismatch { .. })
        ));
        assert!(
            verify_worker_request(
                worker.address(),
                "POST",
                "/replicates/next",
                43,
                b"",
                &signature
            )
            .is_err()
        );
    }

    #[test]
    fn reports_are_tagged_by_status() {
        let contributed = ReplicateReport::Contributed {
            result_hash: B256::repeat_byte(1),
            tx: B256::repeat_byte(2),
        };
        let value = serde_json::to_value(&contributed).unwrap();
        assert_eq!(
            value,
            json!({"status": "contributed", "resultHash": B256::repeat_byte(1), "tx": B256::repeat_byte(2)})
        );
        assert_eq!(
            serde_json::from_value::<ReplicateReport>(value).unwrap(),
            contributed
        );
        let failed = ReplicateReport::Failed(ReplicateFailure::new(
            B256::repeat_byte(3),
            ReplicateCause::AppComputeFailed,
            "exit 1",
        ));
        let value = serde_json::to_value(&failed).unwrap();
        assert_eq!(
            value,
            json!({"status": "failed", "taskId": B256::repeat_byte(3), "cause": "APP_COMPUTE_FAILED", "message": "exit 1"})
        );
        assert_eq!(
            serde_json::from_value::<ReplicateReport>(value).unwrap(),
            failed
        );
        for status in ["revealed", "completed"] {
            let value = json!({"status": status, "tx": B256::ZERO});
            serde_json::from_value::<ReplicateReport>(value).unwrap();
        }
        assert!(serde_json::from_value::<ReplicateReport>(json!({"status": "won"})).is_err());
    }

    #[test]
    fn assignments_and_registrations_are_camel_case() {
        let assignment = Assignment {
            authorization: WorkerpoolAuthorization {
                chain_task_id: B256::repeat_byte(1),
                deal_id: B256::repeat_byte(2),
                task_index: U256::from(3),
                worker_wallet: Address::repeat_byte(4),
                enclave_challenge: Address::ZERO,
                signature: Bytes::from(vec![5u8; 65]),
            },
            sms_url: None,
            mode: TaskMode::Replicated,
        };
        let value = serde_json::to_value(&assignment).unwrap();
        assert_eq!(value["mode"], "replicated");
        assert!(value.get("smsUrl").is_none());
        assert_eq!(
            value["authorization"]["chainTaskId"],
            json!(B256::repeat_byte(1))
        );
        assert_eq!(
            serde_json::from_value::<Assignment>(value).unwrap(),
            assignment
        );

        let registration: WorkerRegistration =
            serde_json::from_value(json!({"capacity": 2, "tee": true, "version": "0.1.0"}))
                .unwrap();
        assert_eq!(registration.capacity, 2);
        let registered = RegisteredWorker {
            worker: Address::repeat_byte(1),
            workerpool: Address::repeat_byte(2),
            scheduler: Address::repeat_byte(3),
            chain_id: 65535,
            heartbeat_interval_ms: 5_000,
            worker_timeout_ms: 30_000,
            free_stake: U256::from(1_000_000_000u64),
            score: U256::ZERO,
        };
        let value = serde_json::to_value(&registered).unwrap();
        assert_eq!(value["heartbeatIntervalMs"], 5_000);
        assert_eq!(value["freeStake"], "1000000000");
        assert_eq!(
            serde_json::from_value::<RegisteredWorker>(value).unwrap(),
            registered
        );
        let heartbeat = serde_json::to_value(HeartbeatResponse {
            abandon: vec![B256::repeat_byte(9)],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            heartbeat,
            json!({"abandon": [B256::repeat_byte(9)], "reveal": [], "upload": []})
        );
    }

    #[test]
    fn states_have_stable_names() {
        for state in TaskState::ALL {
            let json = serde_json::to_value(state).unwrap();
            assert_eq!(json, state.name());
            assert_eq!(TaskState::from_name(state.name()), Some(state));
        }
        assert_eq!(TaskState::ConsensusReached.name(), "CONSENSUS_REACHED");
        assert!(TaskState::Completed.is_terminal() && !TaskState::Skipped.is_terminal());
        assert_eq!(
            ReplicateState::from_name("RESULT_UPLOADED"),
            Some(ReplicateState::ResultUploaded)
        );
        let replicate = ReplicateView {
            worker: Address::repeat_byte(1),
            state: ReplicateState::Contributed,
            result_hash: Some(B256::ZERO),
            failure: None,
            assigned_at_ms: 7,
        };
        let value = serde_json::to_value(&replicate).unwrap();
        assert_eq!(value["state"], "CONTRIBUTED");
        assert_eq!(value["assignedAtMs"], 7);
    }
}
