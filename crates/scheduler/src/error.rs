//! What the scheduler can fail with, and how the API shows it.

use crate::result_zip::ResultZipError;
use crate::store::StoreError;
use alloy_primitives::Address;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confide_chain::client::ClientError;
use confide_protocol::workerpool::{ErrorBody, error_codes as code};

/// Why a scheduler operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("chain: {0}")]
    Chain(#[from] ClientError),
    #[error("SMS: {0}")]
    Sms(#[from] confide_sms::SmsClientError),
    #[error("market: {0}")]
    Market(#[from] confide_market::MarketClientError),
    #[error("storage: {0}")]
    Storage(#[from] confide_storage::StorageError),
    #[error("cannot sign: {0}")]
    Signing(#[from] alloy_signer::Error),
    #[error("cannot sign the order: {0}")]
    OrderSigning(#[from] confide_protocol::order::SigningError),
    /// The scheduler's wallet does not own the workerpool.
    #[error(
        "the workerpool {workerpool} is owned by {owner}, not by the scheduler's wallet {wallet}"
    )]
    NotPoolOwner {
        workerpool: Address,
        owner: Address,
        wallet: Address,
    },
    /// The configuration cannot work.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// An API refusal: HTTP status, stable code, message. Serialized as
/// `{"error": CODE, "message": …}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::BAD_REQUEST, message)
    }

    pub(crate) fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub(crate) fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub(crate) fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
}

impl From<SchedulerError> for ApiError {
    fn from(error: SchedulerError) -> Self {
        let (status, code) = match &error {
            SchedulerError::Chain(_) => (StatusCode::SERVICE_UNAVAILABLE, code::CHAIN_UNAVAILABLE),
            SchedulerError::Storage(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, code::STORAGE_UNAVAILABLE)
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, code::INTERNAL),
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(%error, "request failed");
        }
        Self::new(status, code, error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        SchedulerError::from(error).into()
    }
}

impl From<ClientError> for ApiError {
    fn from(error: ClientError) -> Self {
        SchedulerError::from(error).into()
    }
}

impl From<ResultZipError> for ApiError {
    fn from(error: ResultZipError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::INVALID_RESULT,
            error.to_string(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}
