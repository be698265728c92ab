//! What can fail: the follower ([`IndexerError`]) and a request ([`ApiError`], answered as
//! `{"error": "<CODE>", "message": "<why>"}` with a stable code).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confide_chain::client::ClientError;

use crate::store::StoreError;

/// Why indexing stopped or a batch was not applied (the follower retries it).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexerError {
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ClientError),
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A parameter is malformed or out of its bounds.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter { name: String, reason: String },
    /// A parameter this endpoint does not know.
    #[error("unknown parameter {0:?}")]
    UnknownParameter(String),
    /// The schema filter is malformed.
    #[error("invalid schema filter: {0}")]
    InvalidSchema(String),
    /// The query string is too long.
    #[error("the query string is longer than {limit} bytes")]
    QueryTooLong { limit: usize },
    /// Nothing at this address or id.
    #[error("{0} not found")]
    NotFound(String),
    /// No such path.
    #[error("no such endpoint")]
    NoRoute,
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl ApiError {
    /// Stable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidParameter { .. } => "INVALID_PARAMETER",
            Self::UnknownParameter(_) => "UNKNOWN_PARAMETER",
            Self::InvalidSchema(_) => "INVALID_SCHEMA",
            Self::QueryTooLong { .. } => "QUERY_TOO_LONG",
            Self::NotFound(_) => "NOT_FOUND",
            Self::NoRoute => "NO_ROUTE",
            Self::Store(_) => "STORE_FAILURE",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidParameter { .. }
            | Self::UnknownParameter(_)
            | Self::InvalidSchema(_)
            | Self::QueryTooLong { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut response = (status, Json(body)).into_response();
        if matches!(self, Self::NoRoute) {
            // Tells an unknown path from a known path's 404 (the OpenAPI test relies on it).
            response.headers_mut().insert(
                "x-confide-no-route",
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}
