//! Rows read back as the API's types.

use alloy_primitives::{Address, B256, Bytes, U256};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, from_db_int};
use crate::model::{Asset, Deal, DealResource, Task};

pub(super) fn malformed(what: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Malformed {
        what,
        reason: reason.to_string(),
    }
}

pub(super) fn address_at(row: &AnyRow, index: usize) -> Result<Address, StoreError> {
    let text: String = row.try_get(index)?;
    text.parse().map_err(|e| malformed("address", e))
}

pub(super) fn opt_address_at(row: &AnyRow, index: usize) -> Result<Option<Address>, StoreError> {
    let text: Option<String> = row.try_get(index)?;
    text.map(|t| t.parse().map_err(|e| malformed("address", e)))
        .transpose()
}

pub(super) fn hash_at(row: &AnyRow, index: usize) -> Result<B256, StoreError> {
    let text: String = row.try_get(index)?;
    text.parse().map_err(|e| malformed("hash", e))
}

pub(super) fn opt_hash_at(row: &AnyRow, index: usize) -> Result<Option<B256>, StoreError> {
    let text: Option<String> = row.try_get(index)?;
    text.map(|t| t.parse().map_err(|e| malformed("hash", e)))
        .transpose()
}

pub(super) fn u256_at(row: &AnyRow, index: usize) -> Result<U256, StoreError> {
    let text: String = row.try_get(index)?;
    text.parse()
        .map_err(|e: alloy_primitives::ruint::ParseError| malformed("amount", e))
}

pub(super) fn u64_at(row: &AnyRow, index: usize) -> Result<u64, StoreError> {
    from_db_int("number", row.try_get(index)?)
}

pub(super) fn opt_bytes_at(row: &AnyRow, index: usize) -> Result<Option<Bytes>, StoreError> {
    let bytes: Option<Vec<u8>> = row.try_get(index)?;
    Ok(bytes.map(Bytes::from))
}

/// A multiaddr read as DataProtector does, when it reads.
pub(super) fn location(multiaddr: &[u8]) -> Option<String> {
    confide_storage::Location::from_bytes(multiaddr)
        .ok()
        .map(|location| location.to_string())
}

pub(super) const ASSET_COLUMNS: &str =
    "SELECT a.address, a.kind, a.name, a.app_type, a.multiaddr, a.checksum,
     a.mrenclave, a.created_at, a.tx_hash, a.block_number";

pub(super) fn asset_row(row: &AnyRow) -> Result<Asset, StoreError> {
    Ok(Asset {
        address: address_at(row, 0)?,
        kind: row
            .try_get::<String, _>(1)?
            .parse()
            .map_err(|e| malformed("asset kind", e))?,
        name: row.try_get(2)?,
        app_type: row.try_get(3)?,
        multiaddr: opt_bytes_at(row, 4)?,
        checksum: opt_hash_at(row, 5)?,
        mrenclave: opt_bytes_at(row, 6)?,
        creation_timestamp: u64_at(row, 7)?,
        transaction_hash: hash_at(row, 8)?,
        block_number: u64_at(row, 9)?,
        owner: opt_address_at(row, 10)?.unwrap_or_default(),
    })
}

pub(super) const DEAL_COLUMNS: &str =
    "SELECT d.deal_id, d.app, d.app_owner, d.app_price, d.dataset,
     d.dataset_owner, d.dataset_price, d.workerpool, d.workerpool_owner, d.workerpool_price,
     d.trust, d.category, d.tag, d.requester, d.beneficiary, d.callback, d.params, d.start_time,
     d.bot_first, d.bot_size, d.volume, d.worker_stake, d.scheduler_reward_ratio, d.sponsor,
     d.app_order_hash, d.dataset_order_hash, d.workerpool_order_hash, d.request_order_hash,
     d.tx_hash, d.block_number, d.created_at";

pub(super) fn deal_row(row: &AnyRow) -> Result<Deal, StoreError> {
    let resource = |at: usize| -> Result<DealResource, StoreError> {
        Ok(DealResource {
            pointer: address_at(row, at)?,
            owner: address_at(row, at + 1)?,
            price: u256_at(row, at + 2)?,
        })
    };
    Ok(Deal {
        deal_id: hash_at(row, 0)?,
        app: resource(1)?,
        dataset: resource(4)?,
        workerpool: resource(7)?,
        trust: u256_at(row, 10)?,
        category: u256_at(row, 11)?,
        tag: hash_at(row, 12)?,
        requester: address_at(row, 13)?,
        beneficiary: address_at(row, 14)?,
        callback: address_at(row, 15)?,
        params: row.try_get(16)?,
        start_time: u64_at(row, 17)?,
        bot_first: u256_at(row, 18)?,
        bot_size: u256_at(row, 19)?,
        volume: u256_at(row, 20)?,
        worker_stake: u256_at(row, 21)?,
        scheduler_reward_ratio: u256_at(row, 22)?,
        sponsor: address_at(row, 23)?,
        app_order_hash: hash_at(row, 24)?,
        dataset_order_hash: hash_at(row, 25)?,
        workerpool_order_hash: hash_at(row, 26)?,
        request_order_hash: hash_at(row, 27)?,
        transaction_hash: hash_at(row, 28)?,
        block_number: u64_at(row, 29)?,
        timestamp: u64_at(row, 30)?,
    })
}

pub(super) const TASK_COLUMNS: &str =
    "SELECT t.task_id, t.deal_id, t.task_index, t.tx_hash, t.block_number,
     t.created_at, d.requester, d.app, d.dataset, d.workerpool,
     (SELECT e.status FROM task_events e WHERE e.task_id = t.task_id
      ORDER BY e.block_number DESC, e.log_index DESC LIMIT 1),
     (SELECT e.results FROM task_events e WHERE e.task_id = t.task_id
      AND e.event = 'FINALIZE' ORDER BY e.block_number DESC, e.log_index DESC LIMIT 1)";

pub(super) fn task_row(row: &AnyRow) -> Result<Task, StoreError> {
    let status: Option<String> = row.try_get(10)?;
    Ok(Task {
        task_id: hash_at(row, 0)?,
        deal_id: hash_at(row, 1)?,
        index: u256_at(row, 2)?,
        transaction_hash: hash_at(row, 3)?,
        block_number: u64_at(row, 4)?,
        timestamp: u64_at(row, 5)?,
        requester: opt_address_at(row, 6)?,
        app: opt_address_at(row, 7)?,
        dataset: opt_address_at(row, 8)?,
        workerpool: opt_address_at(row, 9)?,
        status: status
            .as_deref()
            .unwrap_or("ACTIVE")
            .parse()
            .map_err(|e| malformed("task status", e))?,
        results: opt_bytes_at(row, 11)?,
    })
}
