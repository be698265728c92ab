//! What the market refuses, and how each refusal reads over HTTP: a status and a JSON body
//! `{"ok": false, "error": "<CODE>", "message": "<why>"}` with a stable code.

use alloy_primitives::{Address, B256, U256};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confide_chain::client::ClientError;
use confide_protocol::SignatureError;
use confide_protocol::order::OrderKind;

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarketError {
    /// The body is larger than the limit.
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The body is not JSON.
    #[error("the body is not valid JSON: {0}")]
    InvalidJson(String),
    /// JSON, but not the expected envelope.
    #[error("invalid body: {0}")]
    InvalidBody(String),
    /// The order's fields are missing, unknown, malformed or beyond a bound.
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    /// The order's tag has a bit the book cannot index.
    #[error("invalid tag {0}: bits above 62 are not accepted (no PoCo feature uses them)")]
    InvalidTag(String),
    /// A query parameter is unknown or malformed.
    #[error("{0}")]
    InvalidQuery(String),
    /// The request names another chain than the market's.
    #[error("chainId {got} is not this market's chain ({expected})")]
    ChainIdMismatch {
        /// The market's chain.
        expected: u64,
        /// The request's.
        got: String,
    },
    /// No `Authorization` header.
    #[error("missing Authorization header: get a challenge from /challenge and sign it")]
    MissingAuthorization,
    /// The header does not parse, or its signature is not by its address.
    #[error("invalid authorization: {0}")]
    InvalidAuthorization(String),
    /// The challenge was never issued to this address, or was already used.
    #[error("unknown or already used challenge {0}: get a new one from /challenge")]
    UnknownChallenge(B256),
    /// The challenge expired.
    #[error("challenge {0} has expired: get a new one from /challenge")]
    ExpiredChallenge(B256),
    /// The authenticated address does not own what it acts on.
    #[error("{authorized} is not the owner of {subject} (the owner is {owner})")]
    NotOwner {
        /// Who logged in.
        authorized: Address,
        /// What they act on.
        subject: String,
        /// Its owner on-chain.
        owner: Address,
    },
    /// The order's `sign` is malformed for an EOA owner (length, v, s).
    #[error("invalid order signature: {0}")]
    InvalidSignature(SignatureError),
    /// A valid signature, but not by the owner.
    #[error("the order is signed by {got}, expected its owner {expected}")]
    WrongSigner {
        /// The owner (the requester).
        expected: Address,
        /// Who signed.
        got: Address,
    },
    /// No signature that the owner's contract accepts, no presignature by the owner.
    #[error("the order is neither signed nor presigned by its owner {owner}{}", detail(.reason))]
    NotSignedByOwner {
        /// The owner.
        owner: Address,
        /// What was tried.
        reason: Option<String>,
    },
    /// The order's asset is not in its registry.
    #[error("{kind} {asset} is not registered")]
    NotRegistered {
        /// Which registry.
        kind: OrderKind,
        /// The address.
        asset: Address,
    },
    /// Cancelled or fully consumed on-chain.
    #[error(
        "order {hash} has no volume left on-chain (volume {volume}, consumed {consumed}): \
         cancelled or fully consumed"
    )]
    OrderConsumed {
        /// The order.
        hash: B256,
        /// Its volume.
        volume: U256,
        /// Consumed on-chain.
        consumed: U256,
    },
    /// No such order in the book.
    #[error("no {kind} order {hash} in the book")]
    OrderNotFound {
        /// The collection asked.
        kind: OrderKind,
        /// The hash.
        hash: B256,
    },
    /// The chain could not be read.
    #[error("chain: {0}")]
    Chain(#[from] ClientError),
    /// The database failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A worker thread failed.
    #[error("internal error: {0}")]
    Internal(String),
}

fn detail(reason: &Option<String>) -> String {
    reason
        .as_ref()
        .map(|reason| format!(": {reason}"))
        .unwrap_or_default()
}

impl MarketError {
    /// Stable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyTooLarge { .. } => "BODY_TOO_LARGE",
            Self::InvalidJson(_) => "INVALID_JSON",
            Self::InvalidBody(_) => "INVALID_BODY",
            Self::InvalidOrder(_) => "INVALID_ORDER",
            Self::InvalidTag(_) => "INVALID_TAG",
            Self::InvalidQuery(_) => "INVALID_QUERY",
            Self::ChainIdMismatch { .. } => "CHAIN_ID_MISMATCH",
            Self::MissingAuthorization => "MISSING_AUTHORIZATION",
            Self::InvalidAuthorization(_) => "INVALID_AUTHORIZATION",
            Self::UnknownChallenge(_) => "UNKNOWN_CHALLENGE",
            Self::ExpiredChallenge(_) => "EXPIRED_CHALLENGE",
            Self::NotOwner { .. } => "NOT_OWNER",
            Self::InvalidSignature(_) => "INVALID_SIGNATURE",
            Self::WrongSigner { .. } => "WRONG_SIGNER",
            Self::NotSignedByOwner { .. } => "NOT_SIGNED_BY_OWNER",
            Self::NotRegistered { .. } => "NOT_REGISTERED",
            Self::OrderConsumed { .. } => "ORDER_CONSUMED",
            Self::OrderNotFound { .. } => "ORDER_NOT_FOUND",
            Self::Chain(_) => "CHAIN_UNAVAILABLE",
            Self::Store(_) => "STORE_FAILURE",
            Self::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidJson(_)
            | Self::InvalidBody(_)
            | Self::InvalidOrder(_)
            | Self::InvalidTag(_)
            | Self::InvalidQuery(_)
            | Self::ChainIdMismatch { .. }
            | Self::InvalidSignature(_) => StatusCode::BAD_REQUEST,
            Self::MissingAuthorization
            | Self::InvalidAuthorization(_)
            | Self::UnknownChallenge(_)
            | Self::ExpiredChallenge(_) => StatusCode::UNAUTHORIZED,
            Self::NotOwner { .. } | Self::WrongSigner { .. } | Self::NotSignedByOwner { .. } => {
                StatusCode::FORBIDDEN
            }
            Self::NotRegistered { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::OrderConsumed { .. } => StatusCode::CONFLICT,
            Self::OrderNotFound { .. } => StatusCode::NOT_FOUND,
            Self::Chain(_) => StatusCode::BAD_GATEWAY,
            Self::Store(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for MarketError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = serde_json::json!({
            "ok": false,
            "error": self.code(),
            "message": self.to_string(),
        });
        (status, Json(body)).into_response()
    }
}
