//! The operator's read-only views.

use super::workers::task_id_of;
use crate::error::ApiError;
use crate::service::Scheduler;
use crate::store::TaskFilter;
use axum::Json;
use axum::extract::{Path, Query, State};
use confide_protocol::workerpool::{
    TaskList, TaskState, TaskView, WorkerList, error_codes as code,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Most tasks per `GET /tasks` answer.
pub(super) const MAX_TASKS_PER_PAGE: u64 = 1_000;

/// `GET /tasks/{taskId}`.
pub(super) async fn task(
    State(scheduler): State<Arc<Scheduler>>,
    Path(task_id): Path<String>,
) -> Result<Json<TaskView>, ApiError> {
    let task_id = task_id_of(&task_id)?;
    scheduler
        .task_view(task_id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(
                code::UNKNOWN_TASK,
                format!("task {task_id} is not known here"),
            )
        })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TasksQuery {
    deal: Option<String>,
    state: Option<String>,
    limit: Option<u64>,
}

/// `GET /tasks?deal=…&state=…&limit=…`.
pub(super) async fn tasks(
    State(scheduler): State<Arc<Scheduler>>,
    query: Result<Query<TasksQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TaskList>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let deal = query
        .deal
        .map(|text| {
            text.parse()
                .map_err(|_| ApiError::bad_request(format!("deal {text:?} is not a deal id")))
        })
        .transpose()?;
    let state = query
        .state
        .map(|text| {
            TaskState::from_name(&text.to_ascii_uppercase())
                .ok_or_else(|| ApiError::bad_request(format!("unknown task state {text:?}")))
        })
        .transpose()?;
    let filter = TaskFilter {
        deal,
        state,
        limit: query.limit.unwrap_or(100).clamp(1, MAX_TASKS_PER_PAGE),
    };
    Ok(Json(TaskList {
        tasks: scheduler.task_views(&filter).await?,
    }))
}

/// `GET /workers`.
pub(super) async fn workers(
    State(scheduler): State<Arc<Scheduler>>,
) -> Result<Json<WorkerList>, ApiError> {
    Ok(Json(WorkerList {
        workers: scheduler.worker_views().await?,
    }))
}

/// `GET /health`: the pool, the scheduler's address, its progress.
pub(super) async fn health(State(scheduler): State<Arc<Scheduler>>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "workerpool": scheduler.config().workerpool,
        "scheduler": scheduler.address(),
        "chainId": scheduler.chain().chain_id(),
        "watchedBlock": scheduler.watched_block(),
        "reconcilerPasses": scheduler.passes(),
    }))
}
