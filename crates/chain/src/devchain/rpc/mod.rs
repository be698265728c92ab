//! The dev chain's JSON-RPC 2.0 server (feature `server`): the `eth_*`, `net_*`, `web3_*` and
//! `evm_*` methods standard tools use, over HTTP POST, with batches and JSON-RPC error codes.
//!
//! - [`serve`] binds the address the caller gives (port 0 picks one) and serves on the current
//!   tokio runtime; the returned [`RpcServer`] stops the server (and the interval miner) when
//!   dropped or [`RpcServer::shutdown`] is called.
//! - Encoding follows Ethereum's conventions (as alloy and geth): quantities as `0x…` hex without
//!   leading zeros, data as `0x…` hex.
//! - Errors: `-32700` parse error, `-32600` invalid request, `-32601` method not found, `-32602`
//!   invalid params, `-32000` a refused transaction (the [`TxError`](super::TxError) message) or
//!   an unavailable block/state, `3` a reverted `eth_call`/`eth_estimateGas` with the revert data
//!   in `data` (as geth), `-32603` an internal error (journal).
//! - The chain is shared behind a mutex ([`SharedChain`]); requests execute on tokio's blocking
//!   pool, one at a time on the chain.

mod methods;

use super::DevChain;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use methods::RpcError;

/// A dev chain shared between the server and its owner.
pub type SharedChain = Arc<Mutex<DevChain>>;

/// `web3_clientVersion`'s answer.
pub const CLIENT_VERSION: &str = concat!("confide-devchain/v", env!("CARGO_PKG_VERSION"));

/// Server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcConfig {
    /// Where to listen (`127.0.0.1:8545` by default; port 0 picks a free port).
    pub addr: SocketAddr,
    /// Largest accepted request body, in bytes (a larger one gets HTTP 413); 16 MiB.
    pub max_body_bytes: usize,
    /// Largest batch (more requests get `-32600`); 1 000.
    pub max_batch: usize,
    /// Mine a block every interval (with whatever is pending, possibly nothing) when set.
    pub block_time: Option<Duration>,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8545)),
            max_body_bytes: 16 * 1024 * 1024,
            max_batch: 1_000,
            block_time: None,
        }
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running server; dropping it stops the server and the interval miner.
#[derive(Debug)]
pub struct RpcServer {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    miner: Option<JoinHandle<()>>,
}

impl RpcServer {
    /// The address the server listens on (with the actual port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it to finish the requests in flight.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(miner) = self.miner.take() {
            miner.abort();
            let _ = miner.await;
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(miner) = self.miner.take() {
            miner.abort();
        }
    }
}

/// The server's state.
#[derive(Debug)]
struct Shared {
    chain: SharedChain,
    filters: Mutex<methods::Filters>,
    max_batch: usize,
}

/// Starts serving `chain` on `config.addr`, on the current tokio runtime (panics outside one).
pub async fn serve(chain: SharedChain, config: RpcConfig) -> Result<RpcServer, ServeError> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: config.addr,
        source,
    })?;
    let shared = Arc::new(Shared {
        chain: chain.clone(),
        filters: Mutex::new(methods::Filters::default()),
        max_batch: config.max_batch,
    });
    let app = Router::new()
        .route("/", post(handle))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(shared);
    let (shutdown, mut stop) = watch::channel(false);
    let mut stop_miner = shutdown.subscribe();
    let server = tokio::spawn(async move {
        let signal = async move {
            let _ = stop.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
        {
            tracing::error!(%error, "JSON-RPC server failed");
        }
    });
    let miner = config.block_time.map(|period| {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stop_miner.wait_for(|stop| *stop) => return,
                }
                let chain = chain.clone();
                let mined = tokio::task::spawn_blocking(move || match chain.lock() {
                    Ok(mut chain) => chain.mine().map_err(|e| e.to_string()),
                    Err(_) => Err("the chain lock is poisoned".to_owned()),
                })
                .await;
                match mined {
                    Ok(Ok(hash)) => tracing::debug!(%hash, "interval block mined"),
                    Ok(Err(error)) => tracing::error!(%error, "interval mining failed"),
                    Err(error) => tracing::error!(%error, "interval mining task failed"),
                }
            }
        })
    });
    tracing::info!(%addr, "dev chain JSON-RPC server listening");
    Ok(RpcServer {
        addr,
        shutdown,
        server: Some(server),
        miner,
    })
}

async fn handle(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let answer = tokio::task::spawn_blocking(move || methods::handle_body(&shared, &body)).await;
    match answer {
        Ok(Some(json)) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
