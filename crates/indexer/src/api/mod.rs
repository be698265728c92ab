//! The REST API (axum): protected data as DataProtector's `getProtectedData`, assets, deals,
//! tasks, accounts and the follower's status; `openapi.json` documents it.

mod handlers;

use std::net::SocketAddr;
use std::sync::Arc;

use alloy_primitives::Address;
use alloy_provider::Provider;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::error::ApiError;
use crate::follow::{Follower, Progress};
use crate::model::Status;
use crate::store::{Store, StoreError};

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Requests are GETs: any body is refused past this.
const MAX_BODY_BYTES: usize = 1024;

/// What the API serves: the store, and what the follower has seen.
#[derive(Debug)]
pub struct Indexer {
    store: Store,
    chain_id: u64,
    protocol: Address,
    confirmations: u64,
    start_block: u64,
    progress: Arc<Progress>,
}

impl Indexer {
    /// The API over `follower`'s store and progress.
    pub fn new<P: Provider>(follower: &Follower<P>) -> Self {
        let deployment = follower.client().deployment();
        Self {
            store: follower.store().clone(),
            chain_id: deployment.chain_id,
            protocol: deployment.protocol,
            confirmations: follower.config().confirmations,
            start_block: follower.start_block(),
            progress: follower.progress(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where indexing is.
    pub async fn status(&self) -> Result<Status, StoreError> {
        let checkpoint = self.store.checkpoint().await.ok();
        let next_block = checkpoint
            .as_ref()
            .map_or(self.start_block, |c| c.next_block);
        let indexed_any =
            checkpoint.is_some_and(|c| !c.delivered.is_empty()) || next_block > self.start_block;
        Ok(Status {
            chain_id: self.chain_id,
            protocol: self.protocol,
            confirmations: self.confirmations,
            start_block: self.start_block,
            next_block,
            last_indexed_block: if indexed_any {
                next_block.checked_sub(1)
            } else {
                None
            },
            head_seen: self.progress.head_seen(),
            logs_indexed: self.progress.logs_indexed(),
            last_error: self.progress.last_error(),
        })
    }
}

/// The routes.
pub fn router(indexer: Arc<Indexer>) -> Router {
    Router::new()
        .route("/protected-data", get(handlers::protected_data))
        .route(
            "/protected-data/{address}",
            get(handlers::protected_data_at),
        )
        .route("/apps", get(handlers::apps))
        .route("/apps/{address}", get(handlers::app))
        .route("/datasets", get(handlers::datasets))
        .route("/datasets/{address}", get(handlers::dataset))
        .route("/workerpools", get(handlers::workerpools))
        .route("/workerpools/{address}", get(handlers::workerpool))
        .route("/deals", get(handlers::deals))
        .route("/deals/{id}", get(handlers::deal))
        .route("/tasks", get(handlers::tasks))
        .route("/tasks/{id}", get(handlers::task))
        .route("/accounts/{address}", get(handlers::account))
        .route("/status", get(handlers::status))
        .route("/openapi.json", get(openapi))
        .route("/health", get(health))
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(indexer)
}

/// A running API server; stops when dropped or shut down.
#[derive(Debug)]
pub struct IndexerServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl IndexerServer {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for IndexerServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves `indexer` on `listener`.
pub async fn serve(listener: TcpListener, indexer: Arc<Indexer>) -> std::io::Result<IndexerServer> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(indexer);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "indexer API server failed");
        }
    });
    Ok(IndexerServer {
        addr,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn health() -> &'static str {
    "ok"
}

async fn no_route() -> ApiError {
    ApiError::NoRoute
}
