//! The HTTP API, iExec's market paths (`openapi.json` documents it): the four collections
//! `/apporders`, `/datasetorders`, `/workerpoolorders`, `/requestorders` (query with `GET`,
//! publish with `POST`, unpublish with `PUT`, one order with `GET /<collection>/<orderHash>`) and
//! `/challenge`. Answers are JSON with `"ok": true`; refusals `{"ok": false, "error": CODE,
//! "message"}`.

mod challenge;
mod orders;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use confide_protocol::order::OrderKind;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::book::{Market, now_unix};
use crate::error::MarketError;
use crate::model::collection;

/// The OpenAPI document of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Bodies above this are refused before they are read (a signed order is well under 1 KiB but
/// for a request order's params, bounded to 16 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How often expired challenges are purged.
const PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// The routes.
pub fn router(market: Arc<Market>) -> Router {
    let mut router = Router::new()
        .route("/challenge", get(challenge::issue))
        .route("/openapi.json", get(openapi))
        .route("/version", get(version))
        .route("/health", get(health));
    for kind in OrderKind::ALL {
        router = router.route(&collection(kind), orders_routes(kind)).route(
            &format!("{}/{{orderHash}}", collection(kind)),
            one_order(kind),
        );
    }
    router
        .fallback(no_route)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(market)
}

fn orders_routes(kind: OrderKind) -> MethodRouter<Arc<Market>> {
    get(move |state, query| orders::query(kind, state, query))
        .post(move |state, query, headers, body| orders::publish(kind, state, query, headers, body))
        .put(move |state, query, headers, body| {
            orders::unpublish(kind, state, query, headers, body)
        })
}

fn one_order(kind: OrderKind) -> MethodRouter<Arc<Market>> {
    get(move |state, query, path| orders::by_hash(kind, state, query, path))
}

/// A running market: the HTTP server, the chain watcher and the challenge purge; stops when
/// dropped or shut down.
#[derive(Debug)]
pub struct MarketServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
}

impl MarketServer {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the watcher and accepting, finishes requests in flight.
    pub async fn shutdown(mut self) {
        for task in self.background.drain(..) {
            task.abort();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for MarketServer {
    fn drop(&mut self) {
        for task in self.background.drain(..) {
            task.abort();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Serves `market` on `listener`, with its chain watcher and a purge of expired challenges
/// every minute.
pub async fn serve(listener: TcpListener, market: Arc<Market>) -> std::io::Result<MarketServer> {
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(crate::watcher::run(market.clone()));
    let purger = market.clone();
    let purge = tokio::spawn(async move {
        let mut interval = tokio::time::interval(PURGE_INTERVAL);
        loop {
            interval.tick().await;
            match purger.store().purge_challenges(now_unix()).await {
                Ok(0) => {}
                Ok(purged) => tracing::debug!(purged, "purged expired challenges"),
                Err(error) => tracing::warn!(%error, "purging challenges failed"),
            }
        }
    });
    let app = router(market);
    let server = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "market server failed");
        }
    });
    Ok(MarketServer {
        addr,
        shutdown: Some(shutdown),
        server: Some(server),
        background: vec![watcher, purge],
    })
}

/// `value` (a JSON object) with `"ok": true` first.
fn ok_json(value: impl Serialize) -> Result<Json<Value>, MarketError> {
    let value = serde_json::to_value(value).map_err(|e| MarketError::Internal(e.to_string()))?;
    let mut answer = serde_json::Map::new();
    answer.insert("ok".into(), Value::Bool(true));
    match value {
        Value::Object(fields) => answer.extend(fields),
        other => {
            answer.insert("data".into(), other);
        }
    }
    Ok(Json(Value::Object(answer)))
}

/// Checks `chainId` when given (required by the writes and `/challenge`).
fn check_chain_id(
    market: &Market,
    params: &[(String, String)],
    required: bool,
) -> Result<(), MarketError> {
    let given = params
        .iter()
        .find(|(name, _)| name == "chainId")
        .map(|(_, value)| value.as_str());
    match given {
        None if required => Err(MarketError::InvalidQuery(
            "query parameter `chainId` is required".into(),
        )),
        None => Ok(()),
        Some(value) if value.parse::<u64>() == Ok(market.chain_id()) => Ok(()),
        Some(value) => Err(MarketError::ChainIdMismatch {
            expected: market.chain_id(),
            got: value.chars().take(32).collect(),
        }),
    }
}

/// The query parameters, or why they do not parse.
type Params = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

fn params(query: Params) -> Result<Vec<(String, String)>, MarketError> {
    query
        .map(|Query(pairs)| pairs)
        .map_err(|rejection| MarketError::InvalidQuery(rejection.body_text()))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn version() -> impl IntoResponse {
    env!("CARGO_PKG_VERSION")
}

async fn health(State(market): State<Arc<Market>>) -> Json<Value> {
    Json(json!({
        "ok": true,
        "chainId": market.chain_id(),
        "watchedBlock": market.watched_block(),
    }))
}

/// Unknown paths: 404 with a header that tells them from a 404 of a known path.
async fn no_route() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        [("x-confide-no-route", "1")],
        Json(json!({"ok": false, "error": "NO_ROUTE", "message": "no such path"})),
    )
}
