//! One handler per operation: parse (every failure an [`ApiError`]), query the store, answer
//! JSON.

use std::sync::Arc;

use alloy_primitives::{Address, B256};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};

use super::Indexer;
use crate::error::ApiError;
use crate::model::{
    Account, Asset, AssetKind, Deal, Page, ProtectedData, Status, Task, TaskDetails,
};
use crate::query::{self, AssetQuery, DealQuery, ProtectedDataQuery, TaskQuery};

type Answer<T> = Result<Json<T>, ApiError>;
type Shared = State<Arc<Indexer>>;

fn raw(query: &RawQuery) -> &str {
    query.0.as_deref().unwrap_or_default()
}

/// The path's one parameter (a malformed path is a JSON error too).
fn segment(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(segment)| segment)
        .map_err(|rejection| ApiError::InvalidParameter {
            name: "path".into(),
            reason: rejection.body_text(),
        })
}

fn address_segment(path: Result<Path<String>, PathRejection>) -> Result<Address, ApiError> {
    query::address("address", &segment(path)?)
}

fn id_segment(path: Result<Path<String>, PathRejection>) -> Result<B256, ApiError> {
    query::hash("id", &segment(path)?)
}

pub(super) async fn protected_data(
    State(indexer): Shared,
    query: RawQuery,
) -> Answer<Page<ProtectedData>> {
    let query = ProtectedDataQuery::parse(raw(&query))?;
    let schema = query.schema_filter()?;
    let paging = query.paging()?;
    let page = indexer
        .store
        .protected_data(query.owner, &schema, query.created_after, paging)
        .await?;
    Ok(Json(page))
}

pub(super) async fn protected_data_at(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<ProtectedData> {
    let address = address_segment(path)?;
    match indexer.store.protected_data_by_address(address).await? {
        Some(found) => Ok(Json(found)),
        None => Err(ApiError::NotFound(format!("protected data {address}"))),
    }
}

async fn assets(indexer: &Indexer, kind: AssetKind, query: &RawQuery) -> Answer<Page<Asset>> {
    let query = AssetQuery::parse(raw(query))?;
    let paging = query.paging()?;
    Ok(Json(indexer.store.assets(kind, query.owner, paging).await?))
}

async fn asset(
    indexer: &Indexer,
    kind: AssetKind,
    path: Result<Path<String>, PathRejection>,
) -> Answer<Asset> {
    let address = address_segment(path)?;
    match indexer.store.asset(address).await? {
        Some(found) if found.kind == kind => Ok(Json(found)),
        _ => Err(ApiError::NotFound(format!("{} {address}", kind.as_str()))),
    }
}

pub(super) async fn apps(State(indexer): Shared, query: RawQuery) -> Answer<Page<Asset>> {
    assets(&indexer, AssetKind::App, &query).await
}

pub(super) async fn datasets(State(indexer): Shared, query: RawQuery) -> Answer<Page<Asset>> {
    assets(&indexer, AssetKind::Dataset, &query).await
}

pub(super) async fn workerpools(State(indexer): Shared, query: RawQuery) -> Answer<Page<Asset>> {
    assets(&indexer, AssetKind::Workerpool, &query).await
}

pub(super) async fn app(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<Asset> {
    asset(&indexer, AssetKind::App, path).await
}

pub(super) async fn dataset(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<Asset> {
    asset(&indexer, AssetKind::Dataset, path).await
}

pub(super) async fn workerpool(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<Asset> {
    asset(&indexer, AssetKind::Workerpool, path).await
}

pub(super) async fn deals(State(indexer): Shared, query: RawQuery) -> Answer<Page<Deal>> {
    let query = DealQuery::parse(raw(&query))?;
    let paging = query.paging()?;
    let page = indexer
        .store
        .deals(
            query.requester,
            query.app,
            query.dataset,
            query.workerpool,
            paging,
        )
        .await?;
    Ok(Json(page))
}

pub(super) async fn deal(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<Deal> {
    let id = id_segment(path)?;
    match indexer.store.deal(id).await? {
        Some(found) => Ok(Json(found)),
        None => Err(ApiError::NotFound(format!("deal {id}"))),
    }
}

pub(super) async fn tasks(State(indexer): Shared, query: RawQuery) -> Answer<Page<Task>> {
    let query = TaskQuery::parse(raw(&query))?;
    let paging = query.paging()?;
    let page = indexer
        .store
        .tasks(
            query.requester,
            query.app,
            query.dataset,
            query.workerpool,
            query.deal,
            query.status,
            paging,
        )
        .await?;
    Ok(Json(page))
}

pub(super) async fn task(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<TaskDetails> {
    let id = id_segment(path)?;
    match indexer.store.task(id).await? {
        Some(found) => Ok(Json(found)),
        None => Err(ApiError::NotFound(format!("task {id}"))),
    }
}

pub(super) async fn account(
    State(indexer): Shared,
    path: Result<Path<String>, PathRejection>,
) -> Answer<Account> {
    let address = address_segment(path)?;
    Ok(Json(indexer.store.account(address).await?))
}

pub(super) async fn status(State(indexer): Shared) -> Answer<Status> {
    Ok(Json(indexer.status().await?))
}
