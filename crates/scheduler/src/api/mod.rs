//! The HTTP API (`openapi.json` documents it). Worker calls are signed
//! ([`crate::auth`]); the operator's views (`GET /tasks`, `/workers`, `/health`) are read-only
//! and unsigned. Errors are `{"error": CODE, "message": …}` with the codes of
//! [`confide_protocol::workerpool::error_codes`].

mod operators;
mod workers;

use crate::error::ApiError;
use crate::service::Scheduler;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use confide_protocol::workerpool::error_codes as code;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// JSON bodies above this are refused before they are read.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// The routes.
pub fn router(scheduler: Arc<Scheduler>) -> Router {
    let result_limit = scheduler.config.max_result_bytes;
    Router::new()
        .route("/workers", post(workers::register).get(operators::workers))
        .route("/workers/heartbeat", post(workers::heartbeat))
        .route("/replicates/next", post(workers::next))
        .route("/replicates/{task_id}/report", post(workers::report))
        .route(
            "/replicates/{task_id}/result",
            put(workers::upload).layer(DefaultBodyLimit::max(result_limit)),
        )
        .route("/tasks", get(operators::tasks))
        .route("/tasks/{task_id}", get(operators::task))
        .route("/openapi.json", get(openapi))
        .route("/health", get(operators::health))
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .with_state(scheduler)
}

/// A running scheduler API; stops when dropped or shut down.
#[derive(Debug)]
pub struct SchedulerServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SchedulerServer {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
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

impl Drop for SchedulerServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves the API of `scheduler` on `listener` (the background loops are
/// [`Scheduler::spawn`]'s).
pub async fn serve(
    listener: TcpListener,
    scheduler: Arc<Scheduler>,
) -> std::io::Result<SchedulerServer> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(scheduler);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "scheduler API failed");
        }
    });
    Ok(SchedulerServer {
        addr,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Unknown paths: 404 with a header that tells them from a 404 of a known path.
async fn no_route() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        [("x-confide-no-route", "1")],
        axum::Json(confide_protocol::workerpool::ErrorBody {
            error: "NO_ROUTE".into(),
            message: "no such path".into(),
        }),
    )
}

/// The raw body, or the refusal (too large, unreadable).
pub(crate) fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
                rejection.body_text(),
            )
        } else {
            ApiError::bad_request(rejection.body_text())
        }
    })
}

/// A JSON body of type `T`.
pub(crate) fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}
