//! The signed worker endpoints.

use super::{body, json};
use crate::auth::{authenticate, check_signature};
use crate::error::ApiError;
use crate::service::{Scheduler, unix_ms};
use alloy_primitives::B256;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use confide_protocol::workerpool::{
    Heartbeat, HeartbeatResponse, RegisteredWorker, ReplicateReport, ResultUploaded,
    WorkerRegistration,
};
use std::sync::Arc;

type Body = Result<Bytes, BytesRejection>;

/// `POST /workers`.
pub(super) async fn register(
    State(scheduler): State<Arc<Scheduler>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<RegisteredWorker>, ApiError> {
    let raw = body(raw)?;
    let request = check_signature(&method, &uri, &headers, &raw, unix_ms())?;
    let registration: WorkerRegistration = json(&raw)?;
    Ok(Json(
        scheduler.register_worker(request, &registration).await?,
    ))
}

/// `POST /workers/heartbeat`.
pub(super) async fn heartbeat(
    State(scheduler): State<Arc<Scheduler>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<HeartbeatResponse>, ApiError> {
    let raw = body(raw)?;
    let worker = authenticate(&scheduler.store, &method, &uri, &headers, &raw, unix_ms()).await?;
    let heartbeat: Heartbeat = json(&raw)?;
    Ok(Json(scheduler.heartbeat(worker, &heartbeat).await?))
}

/// `POST /replicates/next`: 200 with an assignment, or 204.
pub(super) async fn next(
    State(scheduler): State<Arc<Scheduler>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Body,
) -> Result<Response, ApiError> {
    let raw = body(raw)?;
    let worker = authenticate(&scheduler.store, &method, &uri, &headers, &raw, unix_ms()).await?;
    Ok(match scheduler.next_replicate(worker).await? {
        Some(assignment) => Json(assignment).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// `POST /replicates/{taskId}/report`: 204.
pub(super) async fn report(
    State(scheduler): State<Arc<Scheduler>>,
    Path(task_id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Body,
) -> Result<StatusCode, ApiError> {
    let raw = body(raw)?;
    let worker = authenticate(&scheduler.store, &method, &uri, &headers, &raw, unix_ms()).await?;
    let task_id = task_id_of(&task_id)?;
    let report: ReplicateReport = json(&raw)?;
    scheduler.report(worker, task_id, &report).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /replicates/{taskId}/result`: the result zip.
pub(super) async fn upload(
    State(scheduler): State<Arc<Scheduler>>,
    Path(task_id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<ResultUploaded>, ApiError> {
    let raw = body(raw)?;
    let worker = authenticate(&scheduler.store, &method, &uri, &headers, &raw, unix_ms()).await?;
    let task_id = task_id_of(&task_id)?;
    Ok(Json(scheduler.upload_result(worker, task_id, raw).await?))
}

pub(super) fn task_id_of(text: &str) -> Result<B256, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request(format!("{text:?} is not a task id (0x + 64 hex digits)"))
    })
}
