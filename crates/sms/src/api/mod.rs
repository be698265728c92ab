//! The HTTP API (iExec's SMS paths, devtools.md §3.1; `openapi.json` documents it).

mod secrets;
mod tee;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::hex;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, head, post};
use tokio::net::TcpListener;

use crate::error::SmsError;
use crate::service::{Sms, unix_now};

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Bodies above this are refused before they are read (secrets are much smaller; a session
/// request carries a quote of a few KiB).
const MAX_BODY_BYTES: usize = 256 * 1024;

/// How often expired enclave challenges are purged.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// The routes.
pub fn router(sms: Arc<Sms>) -> Router {
    Router::new()
        .route(
            "/secrets/web3",
            head(secrets::web3_exists).post(secrets::web3_create),
        )
        .route(
            "/secrets/web2",
            head(secrets::web2_exists)
                .post(secrets::web2_create)
                .put(secrets::web2_update),
        )
        .route(
            "/apps/{app}/secrets",
            head(secrets::app_exists).post(secrets::app_create),
        )
        .route(
            "/requesters/{requester}/secrets/{key}",
            head(secrets::requester_exists).post(secrets::requester_create),
        )
        .route("/tee/framework", get(tee::framework))
        .route("/tee/challenges/{task_id}", post(tee::challenge))
        .route("/tee/sessions", post(tee::session))
        .route("/openapi.json", get(openapi))
        .route("/version", get(version))
        .route("/health", get(health))
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(sms)
}

/// A running SMS server; stops when dropped or shut down.
#[derive(Debug)]
pub struct SmsServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SmsServer {
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

impl Drop for SmsServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Serves `sms` on `listener`, and purges expired challenges hourly.
pub async fn serve(listener: TcpListener, sms: Arc<Sms>) -> std::io::Result<SmsServer> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let purger = sms.clone();
    let app = router(sms);
    let task = tokio::spawn(async move {
        let purge = tokio::spawn(async move {
            let mut interval = tokio::time::interval(PURGE_INTERVAL);
            loop {
                interval.tick().await;
                match purger.purge_expired_challenges(unix_now()).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "purged expired enclave challenges"),
                    Err(error) => tracing::warn!(%error, "purging enclave challenges failed"),
                }
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        purge.abort();
        if let Err(error) = served {
            tracing::error!(%error, "SMS server failed");
        }
    });
    Ok(SmsServer {
        addr,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn version() -> impl IntoResponse {
    env!("CARGO_PKG_VERSION")
}

/// Unknown paths: 404 with a header that tells them from a 404 of a known path.
async fn no_route() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, [("x-confide-no-route", "1")])
}

async fn health() -> StatusCode {
    StatusCode::OK
}

/// The signature in the `Authorization` header (0x-hex, 65 bytes).
fn signature(headers: &HeaderMap) -> Result<Vec<u8>, SmsError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| SmsError::MissingSignature("no Authorization header".into()))?
        .to_str()
        .map_err(|_| SmsError::MissingSignature("Authorization is not text".into()))?;
    hex::decode(value.trim())
        .map_err(|e| SmsError::MissingSignature(format!("Authorization is not hex: {e}")))
}
