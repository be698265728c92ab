//! `GET`/`HEAD /ipfs/{cid}`: a file's bytes, or with `?format=raw` /
//! `Accept: application/vnd.ipld.raw` its root block (the trustless gateway's block response).
//!
//! - Any CID text form [`Cid`]'s parser reads; an unreadable one is 400.
//! - Headers: `Content-Length`, `Accept-Ranges: bytes`, `ETag: "<cid>"` (`"<cid>.raw"` for the
//!   block), `Cache-Control: public, max-age=29030400, immutable`, `X-Ipfs-Path`,
//!   `X-Ipfs-Roots`, `Vary: Accept`. Content never changes under a CID, so an
//!   `If-None-Match` naming the ETag is answered 304 without touching the store.
//! - One `Range: bytes=…` range → 206 with `Content-Range`; one selecting no byte → 416 with
//!   `Content-Range: bytes */SIZE`; malformed or multiple ranges are ignored (200), see
//!   [`range`](super::range). `If-Range` with another validator than the ETag disables the range.
//! - The body streams as the storage verifies each block. The status and length are sent
//!   before all blocks are read, so a block that turns out corrupt or missing then ends the body
//!   with an error: the connection is aborted short of `Content-Length`, and the client can
//!   tell (no byte of the bad block is ever sent).
//! - Error bodies are one line of text; they name CIDs, never paths of the node's disk.

use super::range::{self, RangeRequest};
use super::{Gateway, status_of};
use crate::backend::verified_start;
use crate::cid::Cid;
use crate::error::StorageError;
use crate::walk::ByteRange;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;

/// Immutable content: cached for a year (IPFS gateways' value), never revalidated.
const CACHE_CONTROL: &str = "public, max-age=29030400, immutable";
/// The trustless gateway's single-block media type.
const RAW_BLOCK: &str = "application/vnd.ipld.raw";
/// CAR answers (not served).
const CAR: &str = "application/vnd.ipld.car";

/// The query of `/ipfs/{cid}`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct FileQuery {
    format: Option<String>,
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    File,
    RawBlock,
}

/// The handler of `GET`/`HEAD /ipfs/{cid}`.
pub(crate) async fn get_file(
    State(gateway): State<Gateway>,
    Path(cid_text): Path<String>,
    query: Result<Query<FileQuery>, QueryRejection>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let cid: Cid = match cid_text.parse() {
        Ok(cid) => cid,
        Err(error) => {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("invalid CID {cid_text:.100?}: {error}"),
            );
        }
    };
    let format = match query {
        Ok(Query(query)) => query.format.unwrap_or_default(),
        Err(rejection) => return text(StatusCode::BAD_REQUEST, &rejection.body_text()),
    };
    let answer = match format.as_str() {
        "raw" => Answer::RawBlock,
        "" => match accepted(&headers) {
            Some(answer) => answer,
            None => {
                return text(
                    StatusCode::NOT_ACCEPTABLE,
                    "only the file bytes and application/vnd.ipld.raw are served",
                );
            }
        },
        other => {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("unsupported format {other:.20?} (only raw is served)"),
            );
        }
    };
    let etag = match answer {
        Answer::File => format!("\"{cid}\""),
        Answer::RawBlock => format!("\"{cid}.raw\""),
    };
    let mut common = HeaderMap::new();
    for (name, value) in [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, CACHE_CONTROL.to_owned()),
        (header::VARY, "Accept".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (
            header::HeaderName::from_static("x-ipfs-path"),
            format!("/ipfs/{cid}"),
        ),
        (
            header::HeaderName::from_static("x-ipfs-roots"),
            cid.to_string(),
        ),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            common.insert(name, value);
        }
    }
    if matches_etag(headers.get(header::IF_NONE_MATCH), &etag) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let head = method == Method::HEAD;
    match answer {
        Answer::RawBlock => raw_block(&gateway, cid, common, head).await,
        Answer::File => file(&gateway, cid, common, &headers, &etag, head).await,
    }
}

/// The answer the `Accept` header picks: the raw block if it names it, nothing servable if it
/// names only CAR, else the file.
fn accepted(headers: &HeaderMap) -> Option<Answer> {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect::<Vec<_>>();
    if accept.iter().any(|t| t == RAW_BLOCK) {
        Some(Answer::RawBlock)
    } else if !accept.is_empty() && accept.iter().all(|t| t == CAR) {
        None
    } else {
        Some(Answer::File)
    }
}

/// Whether an `If-None-Match` (or `If-Range`) value names `etag`, weakly or not. `*` is not
/// taken as a match: it would answer 304 for a CID the store may not hold.
fn matches_etag(value: Option<&HeaderValue>, etag: &str) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

async fn raw_block(gateway: &Gateway, cid: Cid, mut headers: HeaderMap, head: bool) -> Response {
    let block = match gateway.storage.get_block(cid).await {
        Ok(block) => block,
        Err(error) => return failure(cid, &error),
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(RAW_BLOCK));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(block.len()));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{cid}.bin\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    let body = if head {
        Body::empty()
    } else {
        Body::from(block)
    };
    (StatusCode::OK, headers, body).into_response()
}

async fn file(
    gateway: &Gateway,
    cid: Cid,
    mut headers: HeaderMap,
    request: &HeaderMap,
    etag: &str,
    head: bool,
) -> Response {
    let size = match gateway.storage.size(cid).await {
        Ok(size) => size,
        Err(error) => return failure(cid, &error),
    };
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    let range_header = request
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| {
            request
                .get(header::IF_RANGE)
                .is_none_or(|validator| matches_etag(Some(validator), etag))
        });
    let (status, range) = match range::parse(range_header, size) {
        RangeRequest::Full => (StatusCode::OK, ByteRange::ALL),
        RangeRequest::Partial { first, last } => {
            headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {first}-{last}/{size}")),
            );
            let range = ByteRange {
                start: first,
                len: Some(last - first + 1),
            };
            (StatusCode::PARTIAL_CONTENT, range)
        }
        RangeRequest::Unsatisfiable => {
            headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{size}")),
            );
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                headers,
                format!("the range selects no byte of the {size}-byte file\n"),
            )
                .into_response();
        }
    };
    let length = range.len.unwrap_or(size);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if head {
        return (status, headers, Body::empty()).into_response();
    }
    // The first block is verified before the status is sent: a failure there is answered.
    let stream = match gateway.storage.get(cid, range).await {
        Ok(stream) => verified_start(stream).await,
        Err(error) => Err(error),
    };
    let stream = match stream {
        Ok(stream) => stream,
        Err(error) => return failure(cid, &error),
    };
    let stream = stream.inspect_err(move |error| {
        tracing::warn!(%cid, %error, "aborting a response: the content failed verification");
    });
    (status, headers, Body::from_stream(stream)).into_response()
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The answer to an error met before the status was sent.
fn failure(cid: Cid, error: &StorageError) -> Response {
    let status = status_of(error);
    if status.is_server_error() {
        tracing::warn!(%cid, %error, "gateway request failed");
    }
    text(status, &public_message(error))
}

/// The error as a remote client may read it: without the node's file paths.
pub(crate) fn public_message(error: &StorageError) -> String {
    match error {
        StorageError::Corrupt { cid, .. } => {
            format!("block {cid} does not hash to its CID in this node's store")
        }
        StorageError::Io { .. } => "the node's store cannot be read".to_owned(),
        // Kubo's wording ("block was not found locally"), which its clients look for.
        StorageError::NotFound(cid) => format!("block {cid} was not found in this node's store"),
        other => other.to_string(),
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_in_lists_and_weakly() {
        let etag = "\"bafkq\"";
        for value in ["\"bafkq\"", "W/\"bafkq\"", "\"x\", \"bafkq\""] {
            assert!(matches_etag(Some(&HeaderValue::from_static(value)), etag));
        }
        for value in ["\"bafkq.raw\"", "bafkq", "\"x\"", "*"] {
            assert!(!matches_etag(Some(&HeaderValue::from_static(value)), etag));
        }
        assert!(!matches_etag(None, etag));
    }

    #[test]
    fn accept_picks_the_answer() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static(value));
            accepted(&headers)
        };
        assert_eq!(accepted(&HeaderMap::new()), Some(Answer::File));
        assert_eq!(with("*/*"), Some(Answer::File));
        assert_eq!(
            with("application/vnd.ipld.car, application/vnd.ipld.raw;q=0.9"),
            Some(Answer::RawBlock)
        );
        assert_eq!(with("application/vnd.ipld.car"), None);
    }
}
