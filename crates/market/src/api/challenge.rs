//! `GET /challenge?chainId&address`: a login challenge to sign.

use std::sync::Arc;

use alloy_primitives::Address;
use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::{Params, check_chain_id, ok_json, params};
use crate::book::Market;
use crate::error::MarketError;

pub(super) async fn issue(
    State(market): State<Arc<Market>>,
    query: Params,
) -> Result<Json<Value>, MarketError> {
    let params = params(query)?;
    check_chain_id(&market, &params, true)?;
    for (name, _) in &params {
        if name != "chainId" && name != "address" {
            return Err(MarketError::InvalidQuery(format!(
                "query parameter `{name}`: not a parameter of /challenge"
            )));
        }
    }
    let address = params
        .iter()
        .find(|(name, _)| name == "address")
        .ok_or_else(|| MarketError::InvalidQuery("query parameter `address` is required".into()))?;
    let address: Address = address.1.parse().map_err(|_| {
        MarketError::InvalidQuery(format!(
            "query parameter `address`: {:?} is not an address",
            address.1
        ))
    })?;
    let typed = market.challenge(address).await?;
    ok_json(serde_json::json!({ "data": typed }))
}
