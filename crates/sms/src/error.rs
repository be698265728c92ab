//! What the SMS refuses, and how each refusal reads over HTTP: a status and a JSON body
//! `{"error": "<CODE>", "message": "<why>"}` with a stable code.

use alloy_primitives::{Address, B256};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confide_chain::client::ClientError;
use confide_tee::TeeError;

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmsError {
    /// The request lacks the `Authorization` signature header or it does not parse.
    #[error("missing or malformed Authorization header: {0}")]
    MissingSignature(String),
    /// The signature is valid but not by the account that must sign.
    #[error("the request is not signed by {expected} (signed by {got})")]
    WrongSigner {
        /// Who must sign (from the chain or the request).
        expected: Address,
        /// Who signed.
        got: Address,
    },
    /// The signature does not verify at all.
    #[error("invalid signature: {0}")]
    BadSignature(#[from] confide_protocol::signature::SignatureError),
    /// The secret is above the size limit.
    #[error("secret is {got} bytes, the limit is {limit}")]
    SecretTooLarge {
        /// The limit.
        limit: usize,
        /// The size received.
        got: usize,
    },
    /// A write-once secret already exists.
    #[error("{0} already exists and cannot be overwritten")]
    AlreadyExists(String),
    /// A signed request already applied (an old update replayed).
    #[error("{0}")]
    Replayed(String),
    /// The secret or task does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Malformed input.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Secrets are not released.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ClientError),
    /// The database failed.
    #[error("store: {0}")]
    Store(StoreError),
}

impl From<StoreError> for SmsError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Why an enclave does not get a task's secrets (each is audit-logged).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The worker's signature over the authorization is not by the authorized worker.
    #[error(
        "the session request is not signed by the authorized worker {expected} (signed by {got})"
    )]
    WorkerSignature {
        /// The authorization's worker.
        expected: Address,
        /// Who signed.
        got: Address,
    },
    /// The authorization is not signed by the deal's workerpool owner.
    #[error("the worker authorization is not signed by the workerpool owner {expected}: {reason}")]
    AuthorizationNotByWorkerpoolOwner {
        /// The deal's workerpool owner.
        expected: Address,
        /// Why verification failed.
        reason: String,
    },
    /// Task, deal and index of the request do not agree.
    #[error("the request names task {claimed}, but deal {deal_id} index {index} is task {actual}")]
    TaskMismatch {
        /// The task the request names.
        claimed: B256,
        /// The deal.
        deal_id: B256,
        /// The index.
        index: String,
        /// The task they make.
        actual: B256,
    },
    /// The task is not ACTIVE on-chain.
    #[error("task {task} is not active on-chain (status {status})")]
    TaskNotActive {
        /// The task.
        task: B256,
        /// Its status (0 unset, 2 revealing, 3 completed, 4 failed).
        status: u8,
    },
    /// The deal is not a TEE deal.
    #[error("deal {0} has no TEE tag")]
    NotTeeDeal(B256),
    /// No enclave challenge was created for the task, or the request names another one.
    #[error(
        "enclave challenge mismatch for task {task}: the SMS issued {issued:?}, the request names {claimed}"
    )]
    EnclaveChallenge {
        /// The task.
        task: B256,
        /// The challenge the SMS issued, if any.
        issued: Option<Address>,
        /// The one in the request.
        claimed: Address,
    },
    /// Simulated evidence while the SMS is not in dev mode.
    #[error("simulated evidence is accepted only by an SMS in dev mode")]
    SimulatedOutsideDevMode,
    /// The evidence does not verify, breaks the policy, or binds another session.
    #[error("evidence refused: {0}")]
    Evidence(#[from] TeeError),
    /// The enclave runs another app than the deal's.
    #[error("app digest {got} is not the deal app's checksum {expected}")]
    AppDigestMismatch {
        /// The deal app's on-chain checksum.
        expected: B256,
        /// The digest the enclave attests.
        got: B256,
    },
    /// A dataset order does not let this deal's app, workerpool or requester use the dataset.
    #[error("dataset {dataset} is not granted to this deal: {reason}")]
    AccessNotGranted {
        /// The dataset.
        dataset: Address,
        /// The chain's reason.
        reason: String,
    },
    /// A secret the task needs is missing.
    #[error("missing secret: {0}")]
    MissingSecret(String),
}

impl Refusal {
    /// Stable code, as in the JSON body and the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WorkerSignature { .. } => "INVALID_WORKER_SIGNATURE",
            Self::AuthorizationNotByWorkerpoolOwner { .. } => "INVALID_AUTHORIZATION",
            Self::TaskMismatch { .. } => "TASK_MISMATCH",
            Self::TaskNotActive { .. } => "TASK_NOT_ACTIVE",
            Self::NotTeeDeal(_) => "NOT_A_TEE_DEAL",
            Self::EnclaveChallenge { .. } => "ENCLAVE_CHALLENGE_MISMATCH",
            Self::SimulatedOutsideDevMode => "SIMULATED_EVIDENCE_NOT_ALLOWED",
            Self::Evidence(TeeError::ReportDataMismatch { .. }) => {
                "EVIDENCE_BOUND_TO_ANOTHER_SESSION"
            }
            Self::Evidence(TeeError::Policy(_)) => "EVIDENCE_REFUSED_BY_POLICY",
            Self::Evidence(_) => "INVALID_EVIDENCE",
            Self::AppDigestMismatch { .. } => "APP_DIGEST_MISMATCH",
            Self::AccessNotGranted { .. } => "ACCESS_NOT_GRANTED",
            Self::MissingSecret(_) => "MISSING_SECRET",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::WorkerSignature { .. } | Self::AuthorizationNotByWorkerpoolOwner { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Self::TaskMismatch { .. } => StatusCode::BAD_REQUEST,
            Self::TaskNotActive { .. } | Self::NotTeeDeal(_) => StatusCode::CONFLICT,
            Self::MissingSecret(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

impl SmsError {
    /// Stable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingSignature(_) | Self::WrongSigner { .. } | Self::BadSignature(_) => {
                "UNAUTHORIZED"
            }
            Self::SecretTooLarge { .. } => "SECRET_TOO_LARGE",
            Self::AlreadyExists(_) => "ALREADY_EXISTS",
            Self::Replayed(_) => "REPLAYED_REQUEST",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::Refused(refusal) => refusal.code(),
            Self::Chain(_) => "CHAIN_UNAVAILABLE",
            Self::Store(_) => "STORE_FAILURE",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingSignature(_) | Self::WrongSigner { .. } | Self::BadSignature(_) => {
                StatusCode::UNAUTHORIZED
            }
            Self::SecretTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::AlreadyExists(_) | Self::Replayed(_) => StatusCode::CONFLICT,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Refused(refusal) => refusal.status(),
            Self::Chain(_) => StatusCode::BAD_GATEWAY,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for SmsError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        (status, Json(body)).into_response()
    }
}
