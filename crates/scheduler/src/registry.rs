//! The worker registry: registration (the worker's free stake and score read from the chain),
//! heartbeats and what they answer. Liveness: any accepted signed request counts as a sign of
//! life; the reconciler marks lost a worker silent past the timeout and releases its replicates
//! (a lost worker that comes back is alive again, its released replicates stay released).

use crate::auth::{SignedRequest, stale};
use crate::chain;
use crate::error::{ApiError, SchedulerError};
use crate::service::{Scheduler, millis, unix_ms};
use alloy_primitives::{Address, B256};
use confide_protocol::workerpool::{
    Heartbeat, HeartbeatResponse, RegisteredWorker, ReplicateState, TaskState, WorkerRegistration,
    error_codes as code,
};
use std::collections::HashSet;

/// Most replicates a worker may declare it runs at once.
pub const MAX_CAPACITY: u32 = 1_024;
/// Longest version string.
const MAX_VERSION_LEN: usize = 64;
/// Most task ids in one heartbeat.
pub const MAX_HEARTBEAT_TASKS: usize = 4_096;

impl Scheduler {
    /// Registers (or re-registers) the worker of `request`.
    pub(crate) async fn register_worker(
        &self,
        request: SignedRequest,
        registration: &WorkerRegistration,
    ) -> Result<RegisteredWorker, ApiError> {
        if registration.capacity == 0 || registration.capacity > MAX_CAPACITY {
            return Err(ApiError::bad_request(format!(
                "capacity must be between 1 and {MAX_CAPACITY}, got {}",
                registration.capacity
            )));
        }
        if registration.version.len() > MAX_VERSION_LEN {
            return Err(ApiError::bad_request(format!(
                "version is longer than {MAX_VERSION_LEN} bytes"
            )));
        }
        let worker = request.worker;
        let free_stake = chain::free_stake(&self.chain, worker).await?;
        let score = chain::score(&self.chain, worker).await?;
        let accepted = self
            .store
            .register_worker(
                worker,
                registration,
                free_stake,
                score,
                request.timestamp_ms,
                unix_ms(),
            )
            .await?;
        if !accepted {
            return Err(stale(request));
        }
        tracing::info!(
            %worker,
            capacity = registration.capacity,
            tee = registration.tee,
            version = %registration.version,
            %free_stake,
            "worker registered"
        );
        Ok(RegisteredWorker {
            worker,
            workerpool: self.config.workerpool,
            scheduler: self.wallet_address(),
            chain_id: self.chain.chain_id(),
            heartbeat_interval_ms: millis(self.config.timing.heartbeat_interval),
            worker_timeout_ms: millis(self.config.timing.worker_timeout),
            free_stake,
            score,
        })
    }

    /// A heartbeat of `worker` (already authenticated): refreshes its stake and score, and
    /// tells it what to abandon, reveal or upload.
    pub(crate) async fn heartbeat(
        &self,
        worker: Address,
        heartbeat: &Heartbeat,
    ) -> Result<HeartbeatResponse, ApiError> {
        if heartbeat.running.len() > MAX_HEARTBEAT_TASKS {
            return Err(ApiError::bad_request(format!(
                "at most {MAX_HEARTBEAT_TASKS} running tasks per heartbeat"
            )));
        }
        self.refresh_worker(worker).await;
        let active = self.store.active_replicates_of(worker).await?;
        let held: HashSet<B256> = active.iter().map(|r| r.task_id).collect();
        let abandon = heartbeat
            .running
            .iter()
            .copied()
            .filter(|task| !held.contains(task))
            .collect();
        let mut response = HeartbeatResponse {
            abandon,
            ..HeartbeatResponse::default()
        };
        for replicate in active {
            let Some(task) = self.store.task(replicate.task_id).await? else {
                continue;
            };
            if task.state != TaskState::ConsensusReached {
                continue;
            }
            match replicate.state {
                ReplicateState::Contributed
                    if replicate.result_hash.is_some()
                        && replicate.result_hash == task.consensus_value =>
                {
                    response.reveal.push(task.task_id);
                }
                ReplicateState::Revealed => response.upload.push(task.task_id),
                _ => {}
            }
        }
        Ok(response)
    }

    /// Reads the worker's stake and score again (a failure only keeps the old values).
    async fn refresh_worker(&self, worker: Address) {
        let read = async {
            let free_stake = chain::free_stake(&self.chain, worker).await?;
            let score = chain::score(&self.chain, worker).await?;
            self.store
                .set_worker_chain_state(worker, free_stake, score)
                .await?;
            Ok::<_, SchedulerError>(())
        };
        if let Err(error) = read.await {
            tracing::debug!(%worker, %error, "worker stake not refreshed");
        }
    }

    /// The registered worker `worker`, or the refusal.
    pub(crate) async fn registered(
        &self,
        worker: Address,
    ) -> Result<crate::store::WorkerRow, ApiError> {
        self.store.worker(worker).await?.ok_or_else(|| {
            ApiError::forbidden(code::UNKNOWN_WORKER, format!("{worker} is not registered"))
        })
    }
}
