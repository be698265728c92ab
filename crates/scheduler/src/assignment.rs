//! Handing out replicates (`POST /replicates/next`).
//!
//! A worker gets at most one new replicate per call, while it holds fewer than its capacity.
//! Tasks are offered oldest deal first. A TEE task goes to a TEE-capable worker, one active
//! replicate at a time (another worker only after the first failed or was lost); a replicated
//! task to any worker with the deal's stake free, as long as the consensus prediction says
//! another contribution is needed ([`crate::prediction`]). Never the same worker twice for one
//! task: a contribution is once per worker, forever.

use crate::error::ApiError;
use crate::prediction::Prediction;
use crate::service::{Scheduler, unix_ms};
use crate::store::{ReplicateRow, TaskRow, WorkerRow};
use alloy_primitives::{Address, Bytes, U256};
use confide_protocol::authorization::WorkerpoolAuthorization;
use confide_protocol::consensus::worker_weight;
use confide_protocol::workerpool::{Assignment, ReplicateState, TaskMode, TaskState};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// Running tasks looked at per request.
const CANDIDATES: u64 = 500;

impl Scheduler {
    /// The next replicate for `worker` (authenticated), if any.
    pub(crate) async fn next_replicate(
        &self,
        worker: Address,
    ) -> Result<Option<Assignment>, ApiError> {
        let _assigning = self.assigning.lock().await;
        let me = self.registered(worker).await?;
        let held = self.store.active_replicates_of(worker).await?.len();
        if held >= me.capacity as usize {
            return Ok(None);
        }
        let now = self.chain_now.load(Ordering::Acquire);
        let workers: HashMap<Address, WorkerRow> = self
            .store
            .workers()
            .await?
            .into_iter()
            .map(|row| (row.worker, row))
            .collect();
        for task in self.store.tasks_in(TaskState::Running, CANDIDATES).await? {
            if now >= task.contribution_deadline {
                continue;
            }
            let replicates = self.store.replicates_of_task(task.task_id).await?;
            if replicates.iter().any(|r| r.worker == worker) {
                continue;
            }
            let wanted = match task.mode {
                TaskMode::Tee => {
                    me.tee
                        && task.enclave_challenge.is_some()
                        && !replicates.iter().any(|r| r.state.is_active())
                }
                TaskMode::Replicated => {
                    me.free_stake >= task.worker_stake
                        && prediction(&replicates, &workers).needs_another(U256::from(task.trust))
                }
            };
            if !wanted {
                continue;
            }
            if !self
                .store
                .insert_replicate(task.task_id, worker, unix_ms())
                .await?
            {
                continue;
            }
            let assignment = self.authorize(&task, worker)?;
            tracing::info!(task = %task.task_id, %worker, mode = ?task.mode, "replicate assigned");
            return Ok(Some(assignment));
        }
        Ok(None)
    }

    /// A signed authorization of `worker` on `task`.
    fn authorize(&self, task: &TaskRow, worker: Address) -> Result<Assignment, ApiError> {
        let mut authorization = WorkerpoolAuthorization {
            chain_task_id: task.task_id,
            deal_id: task.deal_id,
            task_index: U256::from(task.task_index),
            worker_wallet: worker,
            enclave_challenge: match task.mode {
                TaskMode::Tee => task.enclave_challenge.unwrap_or_default(),
                TaskMode::Replicated => Address::ZERO,
            },
            signature: Bytes::new(),
        };
        authorization
            .sign(&self.wallet)
            .map_err(crate::error::SchedulerError::from)?;
        Ok(Assignment {
            authorization,
            sms_url: match task.mode {
                TaskMode::Tee => self.config.sms_url.clone(),
                TaskMode::Replicated => None,
            },
            mode: task.mode,
        })
    }
}

/// The task's contributions and pending replicates, weighted by their workers' scores.
fn prediction(replicates: &[ReplicateRow], workers: &HashMap<Address, WorkerRow>) -> Prediction {
    let weight =
        |worker: &Address| worker_weight(workers.get(worker).map(|w| w.score).unwrap_or_default());
    let mut prediction = Prediction::default();
    for replicate in replicates {
        match (replicate.state, replicate.result_hash) {
            (
                ReplicateState::Contributed
                | ReplicateState::Revealed
                | ReplicateState::ResultUploaded,
                Some(hash),
            ) => prediction
                .contributed
                .push((hash, weight(&replicate.worker))),
            (ReplicateState::Assigned, _)
                if workers.get(&replicate.worker).is_some_and(|w| !w.lost) =>
            {
                prediction.pending.push(weight(&replicate.worker));
            }
            _ => {}
        }
    }
    prediction
}
