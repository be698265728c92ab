//! The scheduler's persistence (`confide-db`: a SQLite file or PostgreSQL by URL): deals and
//! their tasks with the deal watcher's checkpoint, replicates, workers, and the order on sale.
//!
//! Writes are short statements or one short transaction; chain reads never happen inside one.
//! Task state changes are compare-and-set on the stored state and checked against the state
//! machine ([`crate::state`]), so two writers cannot both move a task from one state.

mod deals;
mod orders;
mod replicates;
mod schema;
mod tasks;
mod workers;

pub use deals::{NewDeal, NewTask};
pub use orders::StoredOrder;
pub use replicates::ReplicateRow;
pub use tasks::{TaskFilter, TaskRow};
pub use workers::{TimestampCheck, WorkerRow};

use alloy_primitives::{Address, B256, U256, hex};
use confide_db::Db;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Open(#[from] confide_db::DbError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value does not decode (a bug or a hand-edited database).
    #[error("the stored {what} is malformed: {reason}")]
    Malformed { what: String, reason: String },
    /// A task state change the state machine refuses.
    #[error(transparent)]
    Transition(#[from] crate::state::InvalidTransition),
}

/// The scheduler's store. Cheap to clone (one shared pool).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens (creating or migrating) the database at `url`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let db = Db::open(url, &schema::MIGRATIONS).await?;
        Ok(Self { db })
    }
}

pub(crate) fn address_text(address: Address) -> String {
    hex::encode_prefixed(address)
}

pub(crate) fn hash_text(hash: B256) -> String {
    hex::encode_prefixed(hash)
}

pub(crate) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn malformed(what: &str, reason: impl ToString) -> StoreError {
    StoreError::Malformed {
        what: what.to_owned(),
        reason: reason.to_string(),
    }
}

pub(crate) fn get_text(row: &AnyRow, column: &str) -> Result<String, StoreError> {
    Ok(row.try_get::<String, _>(column)?)
}

pub(crate) fn get_opt_text(row: &AnyRow, column: &str) -> Result<Option<String>, StoreError> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

pub(crate) fn get_u64(row: &AnyRow, column: &str) -> Result<u64, StoreError> {
    let value: i64 = row.try_get(column)?;
    u64::try_from(value).map_err(|e| malformed(column, e))
}

pub(crate) fn get_bool(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

pub(crate) fn get_opt_bytes(row: &AnyRow, column: &str) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(row.try_get::<Option<Vec<u8>>, _>(column)?)
}

pub(crate) fn parse_address(text: &str, what: &str) -> Result<Address, StoreError> {
    text.parse().map_err(|e| malformed(what, e))
}

pub(crate) fn parse_hash(text: &str, what: &str) -> Result<B256, StoreError> {
    text.parse().map_err(|e| malformed(what, e))
}

pub(crate) fn parse_u256(text: &str, what: &str) -> Result<U256, StoreError> {
    U256::from_str_radix(text, 10).map_err(|e| malformed(what, e))
}

pub(crate) fn get_address(row: &AnyRow, column: &str) -> Result<Address, StoreError> {
    parse_address(&get_text(row, column)?, column)
}

pub(crate) fn get_hash(row: &AnyRow, column: &str) -> Result<B256, StoreError> {
    parse_hash(&get_text(row, column)?, column)
}

pub(crate) fn get_opt_hash(row: &AnyRow, column: &str) -> Result<Option<B256>, StoreError> {
    get_opt_text(row, column)?
        .map(|text| parse_hash(&text, column))
        .transpose()
}

pub(crate) fn get_opt_address(row: &AnyRow, column: &str) -> Result<Option<Address>, StoreError> {
    get_opt_text(row, column)?
        .map(|text| parse_address(&text, column))
        .transpose()
}
