//! Tasks: reads, compare-and-set state changes, and what the reconciler and the API record.

use super::deals::parse_mode;
use super::{
    Store, StoreError, address_text, get_address, get_hash, get_opt_address, get_opt_bytes,
    get_opt_hash, get_opt_text, get_text, get_u64, hash_text, int, malformed, parse_u256,
};
use crate::state;
use alloy_primitives::{Address, B256, U256};
use confide_protocol::workerpool::{TaskMode, TaskState};
use sqlx::any::AnyRow;

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub task_id: B256,
    pub deal_id: B256,
    pub task_index: u64,
    /// The block of the deal's `SchedulerNotice`.
    pub block: u64,
    pub state: TaskState,
    pub mode: TaskMode,
    pub trust: u64,
    pub callback: Address,
    pub worker_stake: U256,
    pub contribution_deadline: u64,
    pub final_deadline: u64,
    pub enclave_challenge: Option<Address>,
    /// The consensus value while in its reveal phase.
    pub consensus_value: Option<B256>,
    /// The digest of the uploaded result.
    pub result_digest: Option<B256>,
    /// Where the uploaded result is (`/ipfs/<cid>`).
    pub result_location: Option<String>,
    /// The `results` bytes `finalize` writes.
    pub results: Option<Vec<u8>>,
    /// The `resultsCallback` bytes `finalize` writes.
    pub results_callback: Option<Vec<u8>>,
    /// A transaction sent for this task and not seen mined yet.
    pub pending_tx: Option<B256>,
    pub last_error: Option<String>,
    pub updated_at_ms: u64,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub deal: Option<B256>,
    pub state: Option<TaskState>,
    /// At most this many (the API caps it).
    pub limit: u64,
}

const COLUMNS: &str = "task_id, deal_id, task_index, block, state, mode, trust, callback, \
    worker_stake, contribution_deadline, final_deadline, enclave_challenge, consensus_value, \
    result_digest, result_location, results, results_callback, pending_tx, last_error, updated_at";

const ORDER: &str = "ORDER BY block, deal_id, task_index";

fn decode(row: &AnyRow) -> Result<TaskRow, StoreError> {
    let state_name = get_text(row, "state")?;
    Ok(TaskRow {
        task_id: get_hash(row, "task_id")?,
        deal_id: get_hash(row, "deal_id")?,
        task_index: get_u64(row, "task_index")?,
        block: get_u64(row, "block")?,
        state: TaskState::from_name(&state_name)
            .ok_or_else(|| malformed("task state", &state_name))?,
        mode: parse_mode(&get_text(row, "mode")?)?,
        trust: get_u64(row, "trust")?,
        callback: get_address(row, "callback")?,
        worker_stake: parse_u256(&get_text(row, "worker_stake")?, "worker_stake")?,
        contribution_deadline: get_u64(row, "contribution_deadline")?,
        final_deadline: get_u64(row, "final_deadline")?,
        enclave_challenge: get_opt_address(row, "enclave_challenge")?,
        consensus_value: get_opt_hash(row, "consensus_value")?,
        result_digest: get_opt_hash(row, "result_digest")?,
        result_location: get_opt_text(row, "result_location")?,
        results: get_opt_bytes(row, "results")?,
        results_callback: get_opt_bytes(row, "results_callback")?,
        pending_tx: get_opt_hash(row, "pending_tx")?,
        last_error: get_opt_text(row, "last_error")?,
        updated_at_ms: get_u64(row, "updated_at")?,
    })
}

impl Store {
    /// The task `task_id`.
    pub async fn task(&self, task_id: B256) -> Result<Option<TaskRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_tasks WHERE task_id = $1"
        ))
        .bind(hash_text(task_id))
        .fetch_optional(&self.db.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// Tasks `filter` selects, by deal then index.
    pub async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<TaskRow>, StoreError> {
        let mut conditions = Vec::new();
        let mut binds = Vec::new();
        if let Some(deal) = filter.deal {
            binds.push(hash_text(deal));
            conditions.push(format!("deal_id = ${}", binds.len()));
        }
        if let Some(state) = filter.state {
            binds.push(state.name().to_owned());
            conditions.push(format!("state = ${}", binds.len()));
        }
        let condition = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let statement = format!(
            "SELECT {COLUMNS} FROM scheduler_tasks {condition} {ORDER} LIMIT {}",
            filter.limit.max(1)
        );
        let mut query = sqlx::query(&statement);
        for bind in binds {
            query = query.bind(bind);
        }
        query
            .fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// Every task not completed nor failed, oldest deal first.
    pub async fn unfinished_tasks(&self) -> Result<Vec<TaskRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_tasks WHERE state NOT IN ($1, $2) {ORDER}"
        ))
        .bind(TaskState::Completed.name())
        .bind(TaskState::Failed.name())
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Tasks in `state`, oldest deal first, at most `limit`.
    pub async fn tasks_in(&self, state: TaskState, limit: u64) -> Result<Vec<TaskRow>, StoreError> {
        self.tasks(&TaskFilter {
            deal: None,
            state: Some(state),
            limit,
        })
        .await
    }

    /// Moves `task_id` from `from` to `to` if it is still in `from` (and the state machine
    /// allows it); whether it moved.
    pub async fn move_task(
        &self,
        task_id: B256,
        from: TaskState,
        to: TaskState,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        state::transition(from, to)?;
        let moved = sqlx::query(
            "UPDATE scheduler_tasks SET state = $1, updated_at = $2, last_error = NULL \
             WHERE task_id = $3 AND state = $4",
        )
        .bind(to.name())
        .bind(int(now_ms))
        .bind(hash_text(task_id))
        .bind(from.name())
        .execute(&self.db.pool)
        .await?
        .rows_affected();
        if moved == 1 {
            tracing::info!(task = %task_id, from = %from, to = %to, "task state");
        }
        Ok(moved == 1)
    }

    /// Records the task's enclave challenge.
    pub async fn set_enclave_challenge(
        &self,
        task_id: B256,
        challenge: Address,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE scheduler_tasks SET enclave_challenge = $1 WHERE task_id = $2")
            .bind(address_text(challenge))
            .bind(hash_text(task_id))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Records the consensus value of the task's reveal phase (`None` after a reopen).
    pub async fn set_consensus_value(
        &self,
        task_id: B256,
        value: Option<B256>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE scheduler_tasks SET consensus_value = $1 WHERE task_id = $2")
            .bind(value.map(hash_text))
            .bind(hash_text(task_id))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Records a checked result and moves the task from ConsensusReached to ResultUploaded;
    /// whether it moved (another upload may have won).
    pub async fn record_result(
        &self,
        task_id: B256,
        digest: B256,
        location: &str,
        results: &[u8],
        results_callback: &[u8],
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let (from, to) = (TaskState::ConsensusReached, TaskState::ResultUploaded);
        state::transition(from, to)?;
        let moved = sqlx::query(
            "UPDATE scheduler_tasks SET state = $1, result_digest = $2, result_location = $3, \
             results = $4, results_callback = $5, updated_at = $6, last_error = NULL \
             WHERE task_id = $7 AND state = $8",
        )
        .bind(to.name())
        .bind(hash_text(digest))
        .bind(location.to_owned())
        .bind(results.to_vec())
        .bind(results_callback.to_vec())
        .bind(int(now_ms))
        .bind(hash_text(task_id))
        .bind(from.name())
        .execute(&self.db.pool)
        .await?
        .rows_affected();
        if moved == 1 {
            tracing::info!(task = %task_id, from = %from, to = %to, location, "task state");
        }
        Ok(moved == 1)
    }

    /// Records a transaction sent for these tasks (`None`: seen mined or dropped).
    pub async fn set_pending_tx(
        &self,
        task_ids: &[B256],
        transaction: Option<B256>,
    ) -> Result<(), StoreError> {
        let mut db_transaction = self.db.pool.begin().await?;
        for task_id in task_ids {
            sqlx::query("UPDATE scheduler_tasks SET pending_tx = $1 WHERE task_id = $2")
                .bind(transaction.map(hash_text))
                .bind(hash_text(*task_id))
                .execute(&mut *db_transaction)
                .await?;
        }
        db_transaction.commit().await?;
        Ok(())
    }

    /// Records (or clears) the last error met while driving the task.
    pub async fn set_task_error(
        &self,
        task_id: B256,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE scheduler_tasks SET last_error = $1 WHERE task_id = $2")
            .bind(error.map(str::to_owned))
            .bind(hash_text(task_id))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }
}
