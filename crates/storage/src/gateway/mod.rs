//! The HTTP gateway a Confide node serves for its storage (feature `server`), so workers on
//! other machines fetch (and upload) content by CID. Any [`Storage`] backend can be served.
//!
//! - `GET`/`HEAD /ipfs/{cid}` ([`ipfs_path`]): the file's bytes, verified block by block as they
//!   are streamed, with immutable caching headers, `ETag: "<cid>"` (`If-None-Match` → 304) and
//!   single byte ranges (206/416). `?format=raw` or `Accept: application/vnd.ipld.raw` answers
//!   the one block instead (the trustless gateway's block response). A block found corrupt after
//!   the headers were sent aborts the connection: the client sees a truncated body, never wrong
//!   bytes.
//! - `POST /api/v0/…` ([`rpc`]): the subset of Kubo's RPC a storage client needs — `add`
//!   (multipart, streamed into [`Storage::put`]), `cat`, `block/get`, `pin/add`, `pin/rm`,
//!   `version` — with Kubo's answers and error shape, so Kubo clients can use a Confide node.
//!
//! Limits: uploads larger than [`GatewayConfig::max_upload`] get 413; request headers must
//! arrive within [`GatewayConfig::header_timeout`], upload bodies may not stall longer than
//! [`GatewayConfig::body_idle_timeout`]; at most [`GatewayConfig::max_connections`] are served at
//! once (more wait to be accepted). Nothing is logged of the data, only of requests (at `debug`).

pub mod ipfs_path;
mod range;
pub mod rpc;

use crate::backend::Storage;
use crate::error::StorageError;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// The gateway's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// Largest file `/api/v0/add` accepts, in bytes (413 beyond): 1 GiB by default, about
    /// the largest dataset a TEE task reads comfortably; a node that stores more raises it.
    pub max_upload: u64,
    /// How long a client may take to send a request's headers: 30 s.
    pub header_timeout: Duration,
    /// Longest pause allowed between two pieces of an upload body: 60 s.
    pub body_idle_timeout: Duration,
    /// Connections served at once: 1 024.
    pub max_connections: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            max_upload: 1 << 30,
            header_timeout: Duration::from_secs(30),
            body_idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) config: GatewayConfig,
}

/// The gateway's routes over `storage`.
pub fn router(storage: Arc<dyn Storage>, config: GatewayConfig) -> Router {
    let state = Gateway { storage, config };
    Router::new()
        .route("/ipfs/{cid}", get(ipfs_path::get_file))
        .merge(rpc::routes(&state.config))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "404 page not found\n")
}

/// Serves `storage` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish and returns. Errors of single connections are logged, not returned.
pub async fn serve(
    listener: TcpListener,
    storage: Arc<dyn Storage>,
    config: GatewayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = config.header_timeout;
    let total = u32::try_from(config.max_connections.max(1)).unwrap_or(u32::MAX);
    let slots = Arc::new(Semaphore::new(total as usize));
    let app = router(storage, config);
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (socket, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(app.clone());
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection(TokioIo::new(socket), service);
            let mut connection = std::pin::pin!(connection);
            let stop = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection task holds a permit: all of them back means all finished.
    let _ = slots.acquire_many(total).await;
    Ok(())
}

/// The HTTP status an error maps to before any byte of the answer was sent.
pub(crate) fn status_of(error: &StorageError) -> StatusCode {
    match error {
        StorageError::NotFound(_) => StatusCode::NOT_FOUND,
        StorageError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        StorageError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        StorageError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        StorageError::Http { .. }
        | StorageError::Remote { .. }
        | StorageError::CidMismatch { .. } => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
