//! Replicates: one row per (task, worker), never two (a worker contributes to a task at most
//! once, ever).

use super::{
    Store, StoreError, address_text, get_address, get_hash, get_opt_hash, get_opt_text, get_text,
    get_u64, hash_text, int, malformed,
};
use alloy_primitives::{Address, B256};
use confide_protocol::replicate::ReplicateFailure;
use confide_protocol::workerpool::{ReplicateState, ReplicateView};
use sqlx::any::AnyRow;

/// A replicate as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicateRow {
    pub task_id: B256,
    pub worker: Address,
    pub state: ReplicateState,
    pub result_hash: Option<B256>,
    pub failure: Option<ReplicateFailure>,
    pub assigned_at_ms: u64,
}

impl ReplicateRow {
    /// The operator's view.
    pub fn view(&self) -> ReplicateView {
        ReplicateView {
            worker: self.worker,
            state: self.state,
            result_hash: self.result_hash,
            failure: self.failure.clone(),
            assigned_at_ms: self.assigned_at_ms,
        }
    }
}

const COLUMNS: &str = "task_id, worker, state, result_hash, failure, assigned_at";

const ACTIVE: &str = "('ASSIGNED', 'CONTRIBUTED', 'REVEALED')";

fn decode(row: &AnyRow) -> Result<ReplicateRow, StoreError> {
    let state_name = get_text(row, "state")?;
    Ok(ReplicateRow {
        task_id: get_hash(row, "task_id")?,
        worker: get_address(row, "worker")?,
        state: ReplicateState::from_name(&state_name)
            .ok_or_else(|| malformed("replicate state", &state_name))?,
        result_hash: get_opt_hash(row, "result_hash")?,
        failure: get_opt_text(row, "failure")?
            .map(|text| serde_json::from_str(&text).map_err(|e| malformed("failure", e)))
            .transpose()?,
        assigned_at_ms: get_u64(row, "assigned_at")?,
    })
}

impl Store {
    /// The replicates of `task_id`, oldest first.
    pub async fn replicates_of_task(&self, task_id: B256) -> Result<Vec<ReplicateRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_replicates WHERE task_id = $1 \
             ORDER BY assigned_at, worker"
        ))
        .bind(hash_text(task_id))
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// The replicate of `worker` on `task_id`.
    pub async fn replicate(
        &self,
        task_id: B256,
        worker: Address,
    ) -> Result<Option<ReplicateRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_replicates WHERE task_id = $1 AND worker = $2"
        ))
        .bind(hash_text(task_id))
        .bind(address_text(worker))
        .fetch_optional(&self.db.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// The replicates `worker` holds now (assigned, contributed or revealed).
    pub async fn active_replicates_of(
        &self,
        worker: Address,
    ) -> Result<Vec<ReplicateRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_replicates WHERE worker = $1 AND state IN {ACTIVE} \
             ORDER BY assigned_at"
        ))
        .bind(address_text(worker))
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Hands `task_id` to `worker`; false if the worker already had a replicate of it.
    pub async fn insert_replicate(
        &self,
        task_id: B256,
        worker: Address,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO scheduler_replicates \
             (task_id, worker, state, assigned_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (task_id, worker) DO NOTHING",
        )
        .bind(hash_text(task_id))
        .bind(address_text(worker))
        .bind(ReplicateState::Assigned.name())
        .bind(int(now_ms))
        .execute(&self.db.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Records a replicate's new state (and its result hash or failure, when given). A
    /// contribution seen on-chain of a worker with no row (its row was forgotten) is inserted.
    /// A COMPLETED replicate stays so: a report arriving after the task ended changes nothing.
    pub async fn set_replicate(
        &self,
        task_id: B256,
        worker: Address,
        state: ReplicateState,
        result_hash: Option<B256>,
        failure: Option<&ReplicateFailure>,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let failure = failure
            .map(|f| serde_json::to_string(f).map_err(|e| malformed("failure", e)))
            .transpose()?;
        sqlx::query(
            "INSERT INTO scheduler_replicates \
             (task_id, worker, state, result_hash, failure, assigned_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (task_id, worker) DO UPDATE SET state = excluded.state, \
             result_hash = COALESCE(excluded.result_hash, scheduler_replicates.result_hash), \
             failure = COALESCE(excluded.failure, scheduler_replicates.failure), \
             updated_at = excluded.updated_at \
             WHERE scheduler_replicates.state <> 'COMPLETED'",
        )
        .bind(hash_text(task_id))
        .bind(address_text(worker))
        .bind(state.name())
        .bind(result_hash.map(hash_text))
        .bind(failure)
        .bind(int(now_ms))
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// Ends the task's active replicates in `state` (the task completed or failed); returns
    /// how many.
    pub async fn end_active_replicates(
        &self,
        task_id: B256,
        state: ReplicateState,
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(&format!(
            "UPDATE scheduler_replicates SET state = $1, updated_at = $2 \
             WHERE task_id = $3 AND state IN {ACTIVE}"
        ))
        .bind(state.name())
        .bind(int(now_ms))
        .bind(hash_text(task_id))
        .execute(&self.db.pool)
        .await?
        .rows_affected())
    }

    /// Releases the replicates `worker` was handed and has not contributed to (it is lost);
    /// returns their tasks.
    pub async fn release_assigned(
        &self,
        worker: Address,
        now_ms: u64,
    ) -> Result<Vec<B256>, StoreError> {
        let mut transaction = self.db.pool.begin().await?;
        let tasks: Vec<String> = sqlx::query_scalar(
            "SELECT task_id FROM scheduler_replicates WHERE worker = $1 AND state = $2",
        )
        .bind(address_text(worker))
        .bind(ReplicateState::Assigned.name())
        .fetch_all(&mut *transaction)
        .await?;
        sqlx::query(
            "UPDATE scheduler_replicates SET state = $1, updated_at = $2 \
             WHERE worker = $3 AND state = $4",
        )
        .bind(ReplicateState::Released.name())
        .bind(int(now_ms))
        .bind(address_text(worker))
        .bind(ReplicateState::Assigned.name())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        tasks
            .iter()
            .map(|text| super::parse_hash(text, "task_id"))
            .collect()
    }
}
