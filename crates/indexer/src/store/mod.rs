//! The indexer's database (`confide-db`: a SQLite file by default, PostgreSQL by URL): the
//! rows derived from the chain's logs, and the watcher's checkpoint, written in the same
//! transaction as the rows of the logs it covers.
//!
//! Rows are append-only and carry their log's block: a reorg is retracted by deleting every
//! row of the dropped blocks ([`Store::retract`]); current values (owners, task statuses,
//! balances) are read from the latest row of their history.

mod read;
mod rows;
mod schema;
mod write;

pub use read::RowCounts;
pub use write::{
    AssetRecord, Change, EscrowEvent, LogPosition, ProtectedDataRecord, TaskEventRecord,
};

use alloy_primitives::{Address, B256};
use confide_chain::client::WatchCheckpoint;
use confide_db::Backend;
use sqlx::{AnyPool, Row};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Open(#[from] confide_db::DbError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "the database indexes the protocol {stored_protocol} on chain {stored_chain}, not \
         {protocol} on chain {chain}: use another database"
    )]
    OtherDeployment {
        stored_chain: u64,
        stored_protocol: String,
        chain: u64,
        protocol: String,
    },
    #[error("the database has no indexer state: bind it to a deployment first")]
    Unbound,
    #[error("the stored {what} is malformed: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("{what} {value} is beyond the database's range (2^63 - 1)")]
    OutOfRange { what: &'static str, value: u64 },
}

/// The indexer's database. Cheap to clone (one shared pool).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No URL: it may hold a database password.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (and creates or migrates) the database at `url`: `sqlite://<path>`,
    /// `sqlite::memory:` or `postgres://user[:password]@host[:port]/database`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let db = confide_db::Db::open(url, &schema::MIGRATIONS).await?;
        Ok(Self {
            pool: db.pool,
            backend: db.backend,
        })
    }

    /// Refreshes the query planner's statistics, as after a large catch-up: without them
    /// PostgreSQL may scan a whole schema entry where its index gives the page (its autovacuum
    /// would analyze, later), and SQLite keeps none unless asked (bounded here).
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA analysis_limit = 1000")
                .fetch_optional(&mut *connection)
                .await?;
        }
        sqlx::query("ANALYZE").execute(&mut *connection).await?;
        Ok(())
    }

    /// Ties the database to a deployment (chain id and protocol address), at the first run
    /// with a watcher starting at `start_block`; returns the stored checkpoint. A database of
    /// another deployment is refused.
    pub async fn bind(
        &self,
        chain_id: u64,
        protocol: Address,
        start_block: u64,
    ) -> Result<WatchCheckpoint, StoreError> {
        let chain = db_int("chain id", chain_id)?;
        let checkpoint = encode_checkpoint(&WatchCheckpoint::starting_at(start_block))?;
        sqlx::query(
            "INSERT INTO indexer_state (id, chain_id, protocol, checkpoint) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(chain)
        .bind(address_text(&protocol))
        .bind(checkpoint)
        .execute(&self.pool)
        .await?;
        let row =
            sqlx::query("SELECT chain_id, protocol, checkpoint FROM indexer_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        let stored_chain: i64 = row.try_get(0)?;
        let stored_protocol: String = row.try_get(1)?;
        if stored_chain != chain || stored_protocol != address_text(&protocol) {
            return Err(StoreError::OtherDeployment {
                stored_chain: u64::try_from(stored_chain).unwrap_or_default(),
                stored_protocol,
                chain: chain_id,
                protocol: address_text(&protocol),
            });
        }
        decode_checkpoint(&row.try_get::<String, _>(2)?)
    }

    /// The watcher's checkpoint: where indexing resumes.
    pub async fn checkpoint(&self) -> Result<WatchCheckpoint, StoreError> {
        let row = sqlx::query("SELECT checkpoint FROM indexer_state WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::Unbound)?;
        decode_checkpoint(&row.try_get::<String, _>(0)?)
    }
}

fn encode_checkpoint(checkpoint: &WatchCheckpoint) -> Result<String, StoreError> {
    serde_json::to_string(checkpoint).map_err(|e| StoreError::Malformed {
        what: "checkpoint",
        reason: e.to_string(),
    })
}

fn decode_checkpoint(text: &str) -> Result<WatchCheckpoint, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Malformed {
        what: "checkpoint",
        reason: e.to_string(),
    })
}

/// A u64 as the databases' BIGINT.
pub(crate) fn db_int(what: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value })
}

/// A BIGINT read back.
pub(crate) fn from_db_int(what: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Malformed {
        what,
        reason: format!("negative: {value}"),
    })
}

/// Addresses are stored as lowercase 0x-hex.
pub(crate) fn address_text(address: &Address) -> String {
    format!("{address:#x}")
}

/// Hashes are stored as lowercase 0x-hex.
pub(crate) fn hash_text(hash: &B256) -> String {
    format!("{hash:#x}")
}
