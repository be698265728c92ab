//! The subset of Kubo's RPC (`/api/v0`) a storage client needs, answered as Kubo answers, so
//! Kubo clients (and Confide's own IPFS backend) can use a Confide node:
//!
//! | call | answer |
//! |---|---|
//! | `POST /api/v0/add` (multipart, one file part) | NDJSON `{"Name","Hash","Size"}`; pinned unless `pin=false` |
//! | `POST /api/v0/cat?arg=CID[&offset=N][&length=N]` | the bytes, verified as they stream |
//! | `POST /api/v0/block/get?arg=CID` | one block's bytes, verified |
//! | `POST /api/v0/block/stat?arg=CID` | `{"Key", "Size"}` of a block held here (never searched for) |
//! | `POST /api/v0/pin/add?arg=CID`, `pin/rm` | `{"Pins":["CID"]}` |
//! | `POST /api/v0/version` | `{"Version","Commit","Repo","System","Golang","Program"}` |
//!
//! - `arg` takes any CID text form, or `/ipfs/CID`.
//! - `add` always builds what `ipfs add --cid-version=1` builds (256 KiB chunks, raw leaves,
//!   balanced DAG, sha2-256) and answers the CIDv1 in base32, whatever `cid-version` a client
//!   leaves unset; options asking for another DAG (`cid-version=0`, `raw-leaves=false`, another
//!   `chunker` or `hash`, `trickle`) are refused with 400 rather than answered with a CID the
//!   client does not expect. `Size` is the file's size (Kubo gives the DAG's, a little larger
//!   for files over one chunk).
//! - `add` streams the file part into [`Storage::put`](crate::Storage::put) as it arrives.
//!   Past [`max_upload`](super::GatewayConfig::max_upload) file bytes it answers 413; the blocks
//!   stored until then are unpinned and unreferenced, garbage for the next collection, and no
//!   CID is answered.
//! - Errors are Kubo's JSON `{"Message","Code","Type":"error"}`: 400 with code 1 (Kubo's client
//!   error) for bad arguments, 413 for an upload too large, 408 for a stalled upload, 500 with
//!   code 0 otherwise. `GET` on these paths is 405, as on Kubo.

use super::ipfs_path::public_message;
use super::{Gateway, GatewayConfig};
use crate::backend::{ByteStream, verified_start};
use crate::cid::Cid;
use crate::error::StorageError;
use crate::walk::ByteRange;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::stream::{self, StreamExt};
use serde_json::json;
use std::io;
use std::time::Duration;

/// Room for the multipart envelope (boundaries, part headers) around the file's bytes.
const MULTIPART_OVERHEAD: u64 = 1024 * 1024;

/// The RPC routes.
pub(crate) fn routes(config: &GatewayConfig) -> Router<Gateway> {
    let body_limit = config.max_upload.saturating_add(MULTIPART_OVERHEAD);
    Router::new()
        .route(
            "/api/v0/add",
            post(add).layer(DefaultBodyLimit::max(
                usize::try_from(body_limit).unwrap_or(usize::MAX),
            )),
        )
        .route("/api/v0/cat", post(cat))
        .route("/api/v0/block/get", post(block_get))
        .route("/api/v0/block/stat", post(block_stat))
        .route("/api/v0/pin/add", post(pin_add))
        .route("/api/v0/pin/rm", post(pin_rm))
        .route("/api/v0/version", post(version))
}

/// An error in Kubo's shape.
#[derive(Debug)]
struct RpcError {
    status: StatusCode,
    message: String,
}

impl RpcError {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<StorageError> for RpcError {
    fn from(error: StorageError) -> Self {
        let status = match error {
            StorageError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::warn!(%error, "RPC call failed");
        }
        Self {
            status,
            message: public_message(&error),
        }
    }
}

impl IntoResponse for RpcError {
    fn into_response(self) -> Response {
        // Kubo's command error codes: 1 is a client error, 0 a normal one.
        let code = u8::from(self.status == StatusCode::BAD_REQUEST);
        let body = json!({ "Message": self.message, "Code": code, "Type": "error" });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            format!("{body}\n"),
        )
            .into_response()
    }
}

impl From<QueryRejection> for RpcError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(rejection.body_text())
    }
}

type RpcResult = Result<Response, RpcError>;

/// The arguments of the calls naming one CID.
#[derive(Debug, serde::Deserialize)]
struct CidArgs {
    arg: Option<String>,
    offset: Option<u64>,
    length: Option<u64>,
}

impl CidArgs {
    /// The CID `arg` names (`CID` or `/ipfs/CID`).
    fn cid(&self) -> Result<Cid, RpcError> {
        let Some(text) = self.arg.as_deref() else {
            return Err(RpcError::bad_request("argument \"arg\" is required"));
        };
        let bare = text.strip_prefix("/ipfs/").unwrap_or(text);
        if bare.trim_end_matches('/').contains('/') {
            return Err(RpcError::bad_request(
                "paths inside a DAG are not supported: pass a file's CID",
            ));
        }
        bare.trim_end_matches('/')
            .parse()
            .map_err(|error| RpcError::bad_request(format!("invalid CID {text:.100?}: {error}")))
    }
}

fn json_line(value: &serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{value}\n"),
    )
        .into_response()
}

/// A streamed answer of `length` bytes, as Kubo's `cat` and `block/get` give (`text/plain`).
fn bytes_response(length: u64, body: Body) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert("x-stream-output", HeaderValue::from_static("1"));
    response
}

async fn cat(
    State(gateway): State<Gateway>,
    args: Result<Query<CidArgs>, QueryRejection>,
) -> RpcResult {
    let Query(args) = args?;
    let cid = args.cid()?;
    let size = gateway.storage.size(cid).await?;
    let offset = args.offset.unwrap_or(0);
    if offset > size {
        return Err(RpcError::from(StorageError::RangeNotSatisfiable {
            start: offset,
            size,
        }));
    }
    let length = args.length.map_or(size - offset, |l| l.min(size - offset));
    let range = ByteRange {
        start: offset,
        len: Some(length),
    };
    let stream = verified_start(gateway.storage.get(cid, range).await?).await?;
    let stream = stream.inspect(move |piece| {
        if let Err(error) = piece {
            tracing::warn!(%cid, %error, "aborting cat: the content failed verification");
        }
    });
    Ok(bytes_response(length, Body::from_stream(stream)))
}

async fn block_get(
    State(gateway): State<Gateway>,
    args: Result<Query<CidArgs>, QueryRejection>,
) -> RpcResult {
    let Query(args) = args?;
    let block = gateway.storage.get_block(args.cid()?).await?;
    Ok(bytes_response(block.len() as u64, Body::from(block)))
}

/// Kubo's `{"Key", "Size"}`; never looks beyond this node's store (Kubo's `offline=true`).
async fn block_stat(
    State(gateway): State<Gateway>,
    args: Result<Query<CidArgs>, QueryRejection>,
) -> RpcResult {
    let Query(args) = args?;
    let cid = args.cid()?;
    let block = gateway.storage.get_block(cid).await?;
    Ok(json_line(
        &json!({ "Key": cid.to_string(), "Size": block.len() }),
    ))
}

async fn pin_add(
    State(gateway): State<Gateway>,
    args: Result<Query<CidArgs>, QueryRejection>,
) -> RpcResult {
    let Query(args) = args?;
    let cid = args.cid()?;
    gateway.storage.pin(cid).await?;
    Ok(json_line(&json!({ "Pins": [cid.to_string()] })))
}

async fn pin_rm(
    State(gateway): State<Gateway>,
    args: Result<Query<CidArgs>, QueryRejection>,
) -> RpcResult {
    let Query(args) = args?;
    let cid = args.cid()?;
    gateway.storage.unpin(cid).await?;
    Ok(json_line(&json!({ "Pins": [cid.to_string()] })))
}

async fn version() -> Response {
    json_line(&json!({
        "Version": env!("CARGO_PKG_VERSION"),
        "Commit": "",
        "Repo": "",
        "System": format!("{}/{}", std::env::consts::ARCH, std::env::consts::OS),
        "Golang": "",
        "Program": "confide",
    }))
}

/// The options of `add` (Kubo's names); those that would change the DAG are checked.
#[derive(Debug, serde::Deserialize)]
struct AddArgs {
    #[serde(rename = "cid-version")]
    cid_version: Option<u8>,
    #[serde(rename = "raw-leaves")]
    raw_leaves: Option<bool>,
    chunker: Option<String>,
    hash: Option<String>,
    trickle: Option<bool>,
    #[serde(rename = "only-hash")]
    only_hash: Option<bool>,
    #[serde(rename = "wrap-with-directory")]
    wrap_with_directory: Option<bool>,
    pin: Option<bool>,
}

impl AddArgs {
    /// Refuses options asking for a DAG other than the one [`crate::unixfs`] builds.
    fn check(&self) -> Result<(), RpcError> {
        let refused = if self.cid_version.is_some_and(|v| v != 1) {
            Some("cid-version: only 1 is supported")
        } else if self.raw_leaves == Some(false) {
            Some("raw-leaves: only true is supported")
        } else if self.chunker.as_deref().is_some_and(|c| c != "size-262144") {
            Some("chunker: only size-262144 is supported")
        } else if self.hash.as_deref().is_some_and(|h| h != "sha2-256") {
            Some("hash: only sha2-256 is supported")
        } else if self.trickle == Some(true) {
            Some("trickle: only the balanced layout is supported")
        } else if self.only_hash == Some(true) {
            Some("only-hash is not supported")
        } else if self.wrap_with_directory == Some(true) {
            Some("wrap-with-directory is not supported")
        } else {
            None
        };
        refused.map_or(Ok(()), |reason| Err(RpcError::bad_request(reason)))
    }
}

/// Why feeding an upload into the storage stopped early.
#[derive(Debug)]
enum FeedError {
    TooLarge,
    Stalled,
    Body(MultipartError),
}

impl From<MultipartError> for RpcError {
    fn from(error: MultipartError) -> Self {
        Self {
            status: error.status(),
            message: error.body_text(),
        }
    }
}

async fn add(
    State(gateway): State<Gateway>,
    args: Result<Query<AddArgs>, QueryRejection>,
    multipart: Result<Multipart, MultipartRejection>,
) -> RpcResult {
    let Query(args) = args?;
    args.check()?;
    let mut multipart =
        multipart.map_err(|rejection| RpcError::bad_request(rejection.body_text()))?;
    let idle = gateway.config.body_idle_timeout;
    let limit = gateway.config.max_upload;
    let Some(mut field) = next_field(&mut multipart, idle).await? else {
        return Err(RpcError::bad_request("file argument \"path\" is required"));
    };
    let name = field
        .file_name()
        .or_else(|| field.name())
        .unwrap_or_default()
        .to_owned();

    let (sender, receiver) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let data: ByteStream = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|piece| (piece, receiver))
    })
    .boxed();
    let (fed, stored) = tokio::join!(
        feed(&mut field, sender, limit, idle),
        gateway.storage.put(data)
    );
    let fed = match fed {
        Ok(size) => size,
        Err(error) => {
            drop(field);
            return Err(match error {
                FeedError::TooLarge => {
                    // Read what the client still sends (bounded by the body limit), so it
                    // gets the 413 instead of a reset connection.
                    drain(&mut multipart, idle).await;
                    RpcError::from(StorageError::TooLarge { limit })
                }
                FeedError::Stalled => RpcError {
                    status: StatusCode::REQUEST_TIMEOUT,
                    message: format!("the upload stalled for more than {idle:?}"),
                },
                FeedError::Body(error) => RpcError::from(error),
            });
        }
    };
    let cid = stored?;
    drop(field);
    if next_field(&mut multipart, idle).await?.is_some() {
        // Blocks of the first file stay, unpinned: one file per call, as documented.
        return Err(RpcError::bad_request("one file per call"));
    }
    if args.pin != Some(false) {
        gateway.storage.pin(cid).await?;
    }
    tracing::debug!(%cid, size = fed, "file added");
    Ok(json_line(
        &json!({ "Name": name, "Hash": cid.to_v1().to_string(), "Size": fed.to_string() }),
    ))
}

async fn next_field(
    multipart: &mut Multipart,
    idle: Duration,
) -> Result<Option<Field<'_>>, RpcError> {
    match tokio::time::timeout(idle, multipart.next_field()).await {
        Ok(field) => Ok(field?),
        Err(_) => Err(RpcError {
            status: StatusCode::REQUEST_TIMEOUT,
            message: format!("the upload stalled for more than {idle:?}"),
        }),
    }
}

/// Sends the pieces of `field` to the storage; returns the file's size. On failure the storage
/// is sent an error too, so it stops.
async fn feed(
    field: &mut Field<'_>,
    sender: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    limit: u64,
    idle: Duration,
) -> Result<u64, FeedError> {
    let mut size = 0u64;
    loop {
        let failure = match tokio::time::timeout(idle, field.chunk()).await {
            Ok(Ok(Some(piece))) => {
                size += piece.len() as u64;
                if size <= limit {
                    if sender.send(Ok(piece)).await.is_err() {
                        // The storage stopped; its error is the answer.
                        return Ok(size);
                    }
                    continue;
                }
                FeedError::TooLarge
            }
            Ok(Ok(None)) => return Ok(size),
            Ok(Err(error)) => FeedError::Body(error),
            Err(_) => FeedError::Stalled,
        };
        let _ = sender
            .send(Err(io::Error::other("the upload was aborted")))
            .await;
        return Err(failure);
    }
}

/// Reads and drops the rest of an upload, until it ends, fails or stalls.
async fn drain(multipart: &mut Multipart, idle: Duration) {
    while let Ok(Ok(Some(mut field))) = tokio::time::timeout(idle, multipart.next_field()).await {
        while let Ok(Ok(Some(_))) = tokio::time::timeout(idle, field.chunk()).await {}
    }
}
