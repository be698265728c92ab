//! Registered workers, their liveness and the replay guard of their signed requests.

use super::{
    Store, StoreError, address_text, get_address, get_bool, get_text, get_u64, int, parse_u256,
};
use alloy_primitives::{Address, U256};
use confide_protocol::workerpool::WorkerRegistration;
use sqlx::any::AnyRow;

/// A worker as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRow {
    pub worker: Address,
    pub capacity: u32,
    pub tee: bool,
    pub version: String,
    /// Free stake read from the chain at registration and heartbeats.
    pub free_stake: U256,
    /// Score read from the chain at registration and heartbeats.
    pub score: U256,
    pub last_seen_ms: u64,
    pub lost: bool,
}

/// What the replay guard says of a signed request's timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampCheck {
    /// Newer than every accepted one: accepted and recorded.
    Accepted,
    /// Not newer than the last accepted one (a replay).
    Stale,
    /// The worker is not registered.
    UnknownWorker,
}

const COLUMNS: &str = "worker, capacity, tee, version, free_stake, score, last_seen, lost";

fn decode(row: &AnyRow) -> Result<WorkerRow, StoreError> {
    Ok(WorkerRow {
        worker: get_address(row, "worker")?,
        capacity: u32::try_from(get_u64(row, "capacity")?).unwrap_or(u32::MAX),
        tee: get_bool(row, "tee")?,
        version: get_text(row, "version")?,
        free_stake: parse_u256(&get_text(row, "free_stake")?, "free_stake")?,
        score: parse_u256(&get_text(row, "score")?, "score")?,
        last_seen_ms: get_u64(row, "last_seen")?,
        lost: get_bool(row, "lost")?,
    })
}

impl Store {
    /// Registers (or re-registers) `worker` if `timestamp_ms` is newer than any request
    /// accepted from it; false for a replay.
    pub async fn register_worker(
        &self,
        worker: Address,
        registration: &WorkerRegistration,
        free_stake: U256,
        score: U256,
        timestamp_ms: u64,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let written = sqlx::query(
            "INSERT INTO scheduler_workers (worker, capacity, tee, version, free_stake, score, \
             last_timestamp, last_seen, lost, registered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $8) \
             ON CONFLICT (worker) DO UPDATE SET capacity = excluded.capacity, tee = excluded.tee, \
             version = excluded.version, free_stake = excluded.free_stake, \
             score = excluded.score, last_timestamp = excluded.last_timestamp, \
             last_seen = excluded.last_seen, lost = 0 \
             WHERE scheduler_workers.last_timestamp < excluded.last_timestamp",
        )
        .bind(address_text(worker))
        .bind(i64::from(registration.capacity))
        .bind(i64::from(registration.tee))
        .bind(registration.version.clone())
        .bind(free_stake.to_string())
        .bind(score.to_string())
        .bind(int(timestamp_ms))
        .bind(int(now_ms))
        .execute(&self.db.pool)
        .await?
        .rows_affected();
        Ok(written == 1)
    }

    /// Accepts a registered worker's request time if it is newer than every one accepted
    /// before (atomically: of two requests with one timestamp, one passes); the worker is seen.
    pub async fn accept_timestamp(
        &self,
        worker: Address,
        timestamp_ms: u64,
        now_ms: u64,
    ) -> Result<TimestampCheck, StoreError> {
        let updated = sqlx::query(
            "UPDATE scheduler_workers SET last_timestamp = $1, last_seen = $2, lost = 0 \
             WHERE worker = $3 AND last_timestamp < $1",
        )
        .bind(int(timestamp_ms))
        .bind(int(now_ms))
        .bind(address_text(worker))
        .execute(&self.db.pool)
        .await?
        .rows_affected();
        if updated == 1 {
            return Ok(TimestampCheck::Accepted);
        }
        Ok(match self.worker(worker).await? {
            Some(_) => TimestampCheck::Stale,
            None => TimestampCheck::UnknownWorker,
        })
    }

    /// The worker `worker`.
    pub async fn worker(&self, worker: Address) -> Result<Option<WorkerRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_workers WHERE worker = $1"
        ))
        .bind(address_text(worker))
        .fetch_optional(&self.db.pool)
        .await?
        .as_ref()
        .map(decode)
        .transpose()
    }

    /// Every registered worker.
    pub async fn workers(&self) -> Result<Vec<WorkerRow>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM scheduler_workers ORDER BY registered_at, worker"
        ))
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(decode)
        .collect()
    }

    /// Records the worker's stake and score read from the chain.
    pub async fn set_worker_chain_state(
        &self,
        worker: Address,
        free_stake: U256,
        score: U256,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE scheduler_workers SET free_stake = $1, score = $2 WHERE worker = $3")
            .bind(free_stake.to_string())
            .bind(score.to_string())
            .bind(address_text(worker))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Marks lost every worker not seen since `seen_before_ms`; returns them.
    pub async fn mark_lost(&self, seen_before_ms: u64) -> Result<Vec<Address>, StoreError> {
        let candidates: Vec<String> = sqlx::query_scalar(
            "SELECT worker FROM scheduler_workers WHERE lost = 0 AND last_seen < $1",
        )
        .bind(int(seen_before_ms))
        .fetch_all(&self.db.pool)
        .await?;
        let mut lost = Vec::new();
        for text in candidates {
            // Only if still silent (a request may have come in meanwhile).
            let marked = sqlx::query(
                "UPDATE scheduler_workers SET lost = 1 \
                 WHERE worker = $1 AND lost = 0 AND last_seen < $2",
            )
            .bind(&text)
            .bind(int(seen_before_ms))
            .execute(&self.db.pool)
            .await?
            .rows_affected();
            if marked == 1 {
                lost.push(super::parse_address(&text, "worker")?);
            }
        }
        Ok(lost)
    }
}
