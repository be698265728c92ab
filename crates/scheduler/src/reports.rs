//! What workers report (`POST /replicates/{taskId}/report`) and upload
//! (`PUT /replicates/{taskId}/result`). Nothing a worker says is taken on its word: a
//! contribution, a reveal or a completion is checked on-chain before it is recorded, and an
//! uploaded result must recompute to the on-chain `resultDigest`.

use crate::chain::{self, contribution, status};
use crate::error::{ApiError, SchedulerError};
use crate::result_zip;
use crate::service::{Scheduler, unix_ms};
use crate::store::TaskRow;
use alloy_primitives::{Address, B256};
use axum::http::StatusCode;
use confide_protocol::replicate::Fault;
use confide_protocol::result::ResultLocation;
use confide_protocol::workerpool::{
    ReplicateReport, ReplicateState, ResultUploaded, TaskMode, TaskState, error_codes as code,
};

impl Scheduler {
    /// The task `task_id`, or the refusal.
    async fn known_task(&self, task_id: B256) -> Result<TaskRow, ApiError> {
        self.store.task(task_id).await?.ok_or_else(|| {
            ApiError::not_found(
                code::UNKNOWN_TASK,
                format!("task {task_id} is not known here"),
            )
        })
    }

    /// Records `worker`'s report on `task_id` after checking it on-chain.
    pub(crate) async fn report(
        &self,
        worker: Address,
        task_id: B256,
        report: &ReplicateReport,
    ) -> Result<(), ApiError> {
        let task = self.known_task(task_id).await?;
        let replicate = self
            .store
            .replicate(task_id, worker)
            .await?
            .ok_or_else(|| {
                ApiError::forbidden(
                    code::NOT_ASSIGNED,
                    format!("{worker} holds no replicate of task {task_id}"),
                )
            })?;
        let now_ms = unix_ms();
        let not_on_chain = |what: &str| {
            ApiError::conflict(
                code::NOT_ON_CHAIN,
                format!("the chain does not show {what} of {worker} on task {task_id} (yet)"),
            )
        };
        match report {
            ReplicateReport::Contributed { result_hash, .. } => {
                let record = contribution(&self.chain, task_id, worker).await?;
                let counted = matches!(
                    record.status,
                    chain::contribution::CONTRIBUTED | chain::contribution::PROVED
                );
                if !counted || record.resultHash != *result_hash {
                    return Err(not_on_chain("this contribution"));
                }
                if replicate.state == ReplicateState::Assigned
                    || replicate.state == ReplicateState::Released
                {
                    self.store
                        .set_replicate(
                            task_id,
                            worker,
                            ReplicateState::Contributed,
                            Some(*result_hash),
                            None,
                            now_ms,
                        )
                        .await?;
                }
            }
            ReplicateReport::Revealed { .. } => {
                let record = contribution(&self.chain, task_id, worker).await?;
                if record.status != chain::contribution::PROVED {
                    return Err(not_on_chain("a reveal"));
                }
                if matches!(
                    replicate.state,
                    ReplicateState::Assigned
                        | ReplicateState::Contributed
                        | ReplicateState::Released
                ) {
                    self.store
                        .set_replicate(
                            task_id,
                            worker,
                            ReplicateState::Revealed,
                            Some(record.resultHash),
                            None,
                            now_ms,
                        )
                        .await?;
                }
            }
            ReplicateReport::Completed { .. } => {
                let onchain = chain::task(&self.chain, task_id).await?;
                if onchain.status != status::COMPLETED || !onchain.contributors.contains(&worker) {
                    return Err(not_on_chain("a completion"));
                }
                self.store
                    .set_replicate(
                        task_id,
                        worker,
                        ReplicateState::Completed,
                        None,
                        None,
                        now_ms,
                    )
                    .await?;
            }
            ReplicateReport::Failed(failure) => {
                if failure.task_id != task_id {
                    return Err(ApiError::bad_request(format!(
                        "the failure names task {}, the path {task_id}",
                        failure.task_id
                    )));
                }
                if replicate.state.is_active() {
                    self.store
                        .set_replicate(
                            task_id,
                            worker,
                            ReplicateState::Failed,
                            None,
                            Some(failure),
                            now_ms,
                        )
                        .await?;
                }
                tracing::info!(
                    task = %task_id,
                    %worker,
                    cause = %failure.cause,
                    fault = ?failure.cause.fault(),
                    "replicate failed"
                );
                if failure.cause.fault() == Fault::Task && task.state == TaskState::Running {
                    // Another worker would fail alike: no more replicates; claimed at the final
                    // deadline.
                    self.store
                        .move_task(
                            task_id,
                            TaskState::Running,
                            TaskState::RunningFailed,
                            now_ms,
                        )
                        .await?;
                    self.store
                        .set_task_error(task_id, Some(&failure.to_string()))
                        .await?;
                }
            }
        }
        self.wake();
        Ok(())
    }

    /// Checks and stores the result zip `worker` uploads for `task_id`, then lets the
    /// reconciler finalize with its location.
    pub(crate) async fn upload_result(
        &self,
        worker: Address,
        task_id: B256,
        zip: axum::body::Bytes,
    ) -> Result<ResultUploaded, ApiError> {
        let task = self.known_task(task_id).await?;
        if task.mode != TaskMode::Replicated {
            return Err(ApiError::conflict(
                code::NOT_EXPECTING_RESULT,
                "a TEE task's enclave uploads its own result",
            ));
        }
        if let (TaskState::ResultUploaded | TaskState::Finalizing, Some(digest), Some(location)) =
            (task.state, task.result_digest, task.result_location.clone())
        {
            // Already have it: the same answer, nothing stored twice.
            return Ok(ResultUploaded {
                result_digest: digest,
                location,
            });
        }
        if task.state != TaskState::ConsensusReached {
            return Err(ApiError::conflict(
                code::NOT_EXPECTING_RESULT,
                format!("task {task_id} is {}, not waiting for a result", task.state),
            ));
        }
        let record = contribution(&self.chain, task_id, worker).await?;
        if record.status != chain::contribution::PROVED {
            return Err(ApiError::forbidden(
                code::NOT_REVEALED,
                format!("{worker} has not revealed on-chain for task {task_id}"),
            ));
        }
        let onchain = chain::task(&self.chain, task_id).await?;
        if onchain.status != status::REVEALING {
            return Err(ApiError::conflict(
                code::NOT_EXPECTING_RESULT,
                format!("task {task_id} is no longer in its reveal phase on-chain"),
            ));
        }
        let callback = !task.callback.is_zero();
        let limits = self.config.zip_limits;
        let zip_for_check = zip.clone();
        let recomputed = tokio::task::spawn_blocking(move || {
            result_zip::digest_of(&zip_for_check, &limits, callback)
        })
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                e.to_string(),
            )
        })??;
        if recomputed.digest != onchain.resultDigest {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code::DIGEST_MISMATCH,
                format!(
                    "the result recomputes to {}, the chain's resultDigest is {}",
                    recomputed.digest, onchain.resultDigest
                ),
            ));
        }
        let cid = self
            .storage
            .put(confide_storage::backend::bytes_stream(zip))
            .await
            .map_err(SchedulerError::from)?;
        let stored = ResultLocation::ipfs(&cid.to_string());
        let (results, results_callback) = if callback {
            (
                ResultLocation::callback(task.callback).to_bytes(),
                recomputed.callback_data.unwrap_or_default(),
            )
        } else {
            (stored.to_bytes(), Vec::new())
        };
        // The replicate first: once the task records the result, the reconciler may finalize
        // and complete the replicates at any moment, and must not be overwritten.
        self.store
            .set_replicate(
                task_id,
                worker,
                ReplicateState::ResultUploaded,
                None,
                None,
                unix_ms(),
            )
            .await?;
        let recorded = self
            .store
            .record_result(
                task_id,
                recomputed.digest,
                &stored.location,
                &results,
                &results_callback,
                unix_ms(),
            )
            .await?;
        if !recorded {
            // Another upload was recorded first: its location is the one finalized.
            let task = self.known_task(task_id).await?;
            return match (task.result_digest, task.result_location) {
                (Some(result_digest), Some(location)) => Ok(ResultUploaded {
                    result_digest,
                    location,
                }),
                _ => Err(ApiError::conflict(
                    code::NOT_EXPECTING_RESULT,
                    format!("task {task_id} is {}, not waiting for a result", task.state),
                )),
            };
        }
        tracing::info!(task = %task_id, %worker, location = %stored.location, "result uploaded");
        self.wake();
        Ok(ResultUploaded {
            result_digest: recomputed.digest,
            location: stored.location,
        })
    }
}
