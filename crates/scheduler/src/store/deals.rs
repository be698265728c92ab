//! Deals and their tasks as the deal watcher records them, with its checkpoint.

use super::{Store, StoreError, address_text, hash_text, int, malformed};
use alloy_primitives::{Address, B256, U256};
use confide_chain::client::WatchCheckpoint;
use confide_protocol::workerpool::{TaskMode, TaskState};

/// A deal noticed for this pool, and its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeal {
    pub deal_id: B256,
    /// The block of its `SchedulerNotice`.
    pub block: u64,
    pub mode: TaskMode,
    /// The deal's trust (≥ 1).
    pub trust: u64,
    pub bot_first: u64,
    pub bot_size: u64,
    /// Why it is not run, if it is not.
    pub skipped: Option<String>,
    /// The deal's callback contract (zero: none).
    pub callback: Address,
    /// Stake locked per contribution.
    pub worker_stake: U256,
    /// Contributions accepted strictly before this (unix s).
    pub contribution_deadline: u64,
    /// Claimable from this (unix s).
    pub final_deadline: u64,
    pub tasks: Vec<NewTask>,
}

/// One task of a [`NewDeal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewTask {
    pub task_id: B256,
    pub index: u64,
}

pub(crate) fn mode_text(mode: TaskMode) -> &'static str {
    match mode {
        TaskMode::Tee => "tee",
        TaskMode::Replicated => "replicated",
    }
}

pub(crate) fn parse_mode(text: &str) -> Result<TaskMode, StoreError> {
    match text {
        "tee" => Ok(TaskMode::Tee),
        "replicated" => Ok(TaskMode::Replicated),
        other => Err(malformed("task mode", other)),
    }
}

impl Store {
    /// The deal watcher's stored position.
    pub async fn checkpoint(&self) -> Result<Option<WatchCheckpoint>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT checkpoint FROM scheduler_checkpoint WHERE id = 1")
                .fetch_optional(&self.db.pool)
                .await?;
        text.map(|text| serde_json::from_str(&text).map_err(|e| malformed("checkpoint", e)))
            .transpose()
    }

    /// Records what the deal watcher read, in one transaction with its new position: first
    /// forgets the deals noticed from block `retract_from` on (a reorg), then adds `deals`
    /// (a deal already known is left as it is).
    pub async fn apply_intake(
        &self,
        retract_from: Option<u64>,
        deals: &[NewDeal],
        checkpoint: &WatchCheckpoint,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let checkpoint =
            serde_json::to_string(checkpoint).map_err(|e| malformed("checkpoint", e))?;
        let mut transaction = self.db.pool.begin().await?;
        if let Some(block) = retract_from {
            for statement in [
                "DELETE FROM scheduler_replicates WHERE task_id IN \
                 (SELECT task_id FROM scheduler_tasks WHERE block >= $1)",
                "DELETE FROM scheduler_tasks WHERE block >= $1",
                "DELETE FROM scheduler_deals WHERE block >= $1",
            ] {
                sqlx::query(statement)
                    .bind(int(block))
                    .execute(&mut *transaction)
                    .await?;
            }
        }
        for deal in deals {
            let inserted = sqlx::query(
                "INSERT INTO scheduler_deals \
                 (deal_id, block, mode, trust, bot_first, bot_size, skipped, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (deal_id) DO NOTHING",
            )
            .bind(hash_text(deal.deal_id))
            .bind(int(deal.block))
            .bind(mode_text(deal.mode))
            .bind(int(deal.trust))
            .bind(int(deal.bot_first))
            .bind(int(deal.bot_size))
            .bind(deal.skipped.clone())
            .bind(int(now_ms))
            .execute(&mut *transaction)
            .await?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            let state = if deal.skipped.is_some() {
                TaskState::Skipped
            } else {
                TaskState::Received
            };
            for task in &deal.tasks {
                sqlx::query(
                    "INSERT INTO scheduler_tasks \
                     (task_id, deal_id, task_index, block, state, mode, trust, callback, \
                      worker_stake, contribution_deadline, final_deadline, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                     ON CONFLICT (task_id) DO NOTHING",
                )
                .bind(hash_text(task.task_id))
                .bind(hash_text(deal.deal_id))
                .bind(int(task.index))
                .bind(int(deal.block))
                .bind(state.name())
                .bind(mode_text(deal.mode))
                .bind(int(deal.trust))
                .bind(address_text(deal.callback))
                .bind(deal.worker_stake.to_string())
                .bind(int(deal.contribution_deadline))
                .bind(int(deal.final_deadline))
                .bind(int(now_ms))
                .execute(&mut *transaction)
                .await?;
            }
        }
        sqlx::query(
            "INSERT INTO scheduler_checkpoint (id, checkpoint) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET checkpoint = excluded.checkpoint",
        )
        .bind(checkpoint)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// How many deals are recorded (skipped ones included).
    pub async fn deal_count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scheduler_deals")
            .fetch_one(&self.db.pool)
            .await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Why a deal is skipped (`None`: run, or unknown).
    pub async fn deal_skipped(&self, deal_id: B256) -> Result<Option<String>, StoreError> {
        let skipped: Option<Option<String>> =
            sqlx::query_scalar("SELECT skipped FROM scheduler_deals WHERE deal_id = $1")
                .bind(hash_text(deal_id))
                .fetch_optional(&self.db.pool)
                .await?;
        Ok(skipped.flatten())
    }
}
