//! Signed worker requests (the headers of [`confide_protocol::workerpool`]): the signature must
//! be the claimed worker's over this method, target, timestamp and body; the timestamp within
//! a minute of the scheduler's clock and newer than every one accepted from that worker (the
//! replay guard is a compare-and-set in the database, see [`crate::store::Store::accept_timestamp`]).

use crate::error::ApiError;
use crate::store::{Store, TimestampCheck};
use alloy_primitives::{Address, hex};
use axum::http::{HeaderMap, Method, Uri};
use confide_protocol::workerpool::{
    AUTHORIZATION_HEADER, MAX_CLOCK_SKEW_MS, TIMESTAMP_HEADER, WORKER_HEADER, error_codes as code,
    verify_worker_request,
};

/// A request whose signature and clock checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedRequest {
    pub(crate) worker: Address,
    pub(crate) timestamp_ms: u64,
}

/// Checks the signature and the clock window (not yet the replay guard).
pub(crate) fn check_signature(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: u64,
) -> Result<SignedRequest, ApiError> {
    let header = |name: &str| -> Result<&str, ApiError> {
        headers
            .get(name)
            .ok_or_else(|| {
                ApiError::unauthorized(code::MISSING_SIGNATURE, format!("no {name} header"))
            })?
            .to_str()
            .map(str::trim)
            .map_err(|_| {
                ApiError::unauthorized(code::MISSING_SIGNATURE, format!("{name} is not text"))
            })
    };
    let worker: Address = header(WORKER_HEADER)?.parse().map_err(|_| {
        ApiError::unauthorized(
            code::MISSING_SIGNATURE,
            format!("{WORKER_HEADER} is not an address"),
        )
    })?;
    let timestamp_ms: u64 = header(TIMESTAMP_HEADER)?.parse().map_err(|_| {
        ApiError::unauthorized(
            code::MISSING_SIGNATURE,
            format!("{TIMESTAMP_HEADER} is not unix milliseconds"),
        )
    })?;
    let signature = hex::decode(header(AUTHORIZATION_HEADER)?).map_err(|e| {
        ApiError::unauthorized(
            code::MISSING_SIGNATURE,
            format!("{AUTHORIZATION_HEADER} is not 0x-hex: {e}"),
        )
    })?;
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |target| target.as_str());
    verify_worker_request(
        worker,
        method.as_str(),
        target,
        timestamp_ms,
        body,
        &signature,
    )
    .map_err(|e| {
        ApiError::unauthorized(
            code::BAD_SIGNATURE,
            format!("the signature is not {worker}'s over {method} {target}: {e}"),
        )
    })?;
    if timestamp_ms.abs_diff(now_ms) > MAX_CLOCK_SKEW_MS {
        return Err(ApiError::unauthorized(
            code::TIMESTAMP_OUT_OF_WINDOW,
            format!(
                "the request time {timestamp_ms} is {} ms away from the scheduler's clock {now_ms} \
                 (at most {MAX_CLOCK_SKEW_MS} ms): check the worker's clock",
                timestamp_ms.abs_diff(now_ms)
            ),
        ));
    }
    Ok(SignedRequest {
        worker,
        timestamp_ms,
    })
}

/// Checks a registered worker's request fully: signature, clock, replay guard.
pub(crate) async fn authenticate(
    store: &Store,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: u64,
) -> Result<Address, ApiError> {
    let request = check_signature(method, uri, headers, body, now_ms)?;
    match store
        .accept_timestamp(request.worker, request.timestamp_ms, now_ms)
        .await?
    {
        TimestampCheck::Accepted => Ok(request.worker),
        TimestampCheck::Stale => Err(stale(request)),
        TimestampCheck::UnknownWorker => Err(ApiError::forbidden(
            code::UNKNOWN_WORKER,
            format!("{} is not registered: POST /workers first", request.worker),
        )),
    }
}

/// The refusal of a replayed (or reordered) request.
pub(crate) fn stale(request: SignedRequest) -> ApiError {
    ApiError::unauthorized(
        code::STALE_TIMESTAMP,
        format!(
            "the request time {} is not after the last one accepted from {} (a replay?): \
             each request needs a strictly increasing timestamp",
            request.timestamp_ms, request.worker
        ),
    )
}
