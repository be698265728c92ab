//! The order collections: query, publish, unpublish, one order by hash.

use std::sync::Arc;

use alloy_primitives::B256;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use confide_protocol::SignedOrder;
use confide_protocol::order::{Order, OrderKind};
use serde_json::{Value, json};

use super::{MAX_BODY_BYTES, Params, check_chain_id, ok_json, params};
use crate::auth::Authorization;
use crate::book::Market;
use crate::error::MarketError;
use crate::model::UnpublishTarget;
use crate::query::OrderQuery;

pub(super) async fn query(
    kind: OrderKind,
    State(market): State<Arc<Market>>,
    query: Params,
) -> Result<Json<Value>, MarketError> {
    let params = params(query)?;
    check_chain_id(&market, &params, false)?;
    let query = OrderQuery::from_params(kind, &params)
        .map_err(|e| MarketError::InvalidQuery(e.to_string()))?;
    ok_json(market.orders(kind, &query).await?)
}

pub(super) async fn by_hash(
    kind: OrderKind,
    State(market): State<Arc<Market>>,
    query: Params,
    Path(hash): Path<String>,
) -> Result<Json<Value>, MarketError> {
    check_chain_id(&market, &params(query)?, false)?;
    let hash: B256 = hash.parse().map_err(|_| {
        MarketError::InvalidQuery(format!(
            "orderHash {:?} is not a 0x-prefixed 32-byte hex hash",
            hash.chars().take(80).collect::<String>()
        ))
    })?;
    ok_json(market.order(kind, hash).await?)
}

pub(super) async fn publish(
    kind: OrderKind,
    State(market): State<Arc<Market>>,
    query: Params,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, MarketError> {
    check_chain_id(&market, &params(query)?, true)?;
    let envelope = json_body(body)?;
    let order = published_order(kind, envelope)?;
    let authorization = authorization(&headers)?;
    let hash = market.publish(order, &authorization).await?;
    ok_json(json!({ "published": { "orderHash": hash } }))
}

pub(super) async fn unpublish(
    kind: OrderKind,
    State(market): State<Arc<Market>>,
    query: Params,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, MarketError> {
    check_chain_id(&market, &params(query)?, true)?;
    let body = json_body(body)?;
    let target = UnpublishTarget::from_body(kind, &body).map_err(MarketError::InvalidBody)?;
    let authorization = authorization(&headers)?;
    let unpublished = market.unpublish(kind, target, &authorization).await?;
    ok_json(json!({ "unpublished": unpublished }))
}

/// The body as JSON, within [`MAX_BODY_BYTES`].
fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, MarketError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            MarketError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            }
        } else {
            MarketError::InvalidBody(rejection.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| MarketError::InvalidJson(e.to_string()))
}

/// `{"order": {…}}`: the signed order of `kind`.
fn published_order(kind: OrderKind, envelope: Value) -> Result<SignedOrder<Order>, MarketError> {
    let Value::Object(mut fields) = envelope else {
        return Err(MarketError::InvalidBody(
            "expected a JSON object {\"order\": {...}}".into(),
        ));
    };
    let order = fields
        .remove("order")
        .ok_or_else(|| MarketError::InvalidBody("missing field `order`".into()))?;
    if let Some(name) = fields.keys().next() {
        return Err(MarketError::InvalidBody(format!(
            "unknown field `{name}` (expected only `order`)"
        )));
    }
    SignedOrder::from_json_value_as(Some(kind), order)
        .map_err(|e| MarketError::InvalidOrder(e.to_string()))
}

fn authorization(headers: &HeaderMap) -> Result<Authorization, MarketError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(MarketError::MissingAuthorization)?
        .to_str()
        .map_err(|_| MarketError::InvalidAuthorization("the header is not text".into()))?;
    value
        .parse()
        .map_err(|e: crate::auth::AuthorizationSyntaxError| {
            MarketError::InvalidAuthorization(e.to_string())
        })
}
