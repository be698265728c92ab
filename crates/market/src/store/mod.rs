//! The book's persistence: orders, login challenges and the chain watcher's checkpoint, in
//! SQLite (a file, the embedded default) or PostgreSQL (scale-out), by URL (`confide-db`).
//!
//! Writes are short single statements or one short transaction each: publishing spends the
//! login challenge and inserts the order together, unpublishing spends it and deletes, and the
//! watcher applies a batch of chain effects with its checkpoint. Chain reads never happen inside
//! a transaction. Inserting an order already in the book does nothing (`ON CONFLICT DO NOTHING`):
//! concurrent duplicate publications race on the unique hash, never on a check-then-insert.
//!
//! Commits are not flushed to disk one by one (SQLite `synchronous = NORMAL` in WAL mode,
//! PostgreSQL `synchronous_commit = off`): a crash of the machine (not of the process) may lose
//! the last commits, never the book's consistency (the watcher's checkpoint rolls back with the
//! effects it covers). A flush per commit (≈ 2 ms each on the development VM) would cap
//! publications at a few hundred per second; [`Store::with_synchronous_commits`] restores it.

mod challenges;
mod codec;
mod effects;
mod filters;
mod orders;
mod schema;
mod sql;

pub use codec::tag_bits;
pub use effects::{Effect, TouchedOrder};
pub use orders::{OrderRow, Published};

use confide_db::{Backend, Db};
use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::{Acquire, Any, Transaction};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Open(#[from] confide_db::DbError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The login challenge was spent by a concurrent request (or purged) meanwhile.
    #[error("the challenge was used by another request")]
    ChallengeGone,
    #[error("the stored {what} is malformed: {reason}")]
    Malformed { what: String, reason: String },
}

/// The market's store. Cheap to clone (one shared pool).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    synchronous_commits: bool,
}

impl Store {
    /// Opens (creating or migrating) the database at `url`: `sqlite://<path>`, `sqlite::memory:`
    /// or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let db = Db::open(url, &schema::MIGRATIONS).await?;
        Ok(Self {
            db,
            synchronous_commits: false,
        })
    }

    /// Flushes every commit to disk before it returns (see the [module documentation](self)).
    #[must_use]
    pub fn with_synchronous_commits(mut self, synchronous: bool) -> Self {
        self.synchronous_commits = synchronous;
        self
    }

    /// A connection for writes, told whether to wait for each commit's flush (SQLite's
    /// `synchronous`, PostgreSQL's `synchronous_commit`; both per connection).
    pub(crate) async fn writer(&self) -> Result<PoolConnection<Any>, StoreError> {
        let mut connection = self.db.pool.acquire().await?;
        let setting = match (self.db.backend, self.synchronous_commits) {
            (Backend::Sqlite, false) => "PRAGMA synchronous = NORMAL",
            (Backend::Sqlite, true) => "PRAGMA synchronous = FULL",
            (Backend::Postgres, false) => "SET synchronous_commit TO OFF",
            (Backend::Postgres, true) => "SET synchronous_commit TO ON",
        };
        sqlx::query(setting).execute(&mut *connection).await?;
        Ok(connection)
    }

    /// Begins a write transaction on `connection` (from [`Store::writer`]).
    pub(crate) async fn begin<'c>(
        &self,
        connection: &'c mut PoolConnection<Any>,
    ) -> Result<Transaction<'c, Any>, StoreError> {
        Ok(connection.begin().await?)
    }

    /// Runs one write statement (its own transaction); returns the rows it affected.
    pub(crate) async fn write_one<'q>(
        &self,
        statement: Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<u64, StoreError> {
        let mut connection = self.writer().await?;
        Ok(statement.execute(&mut *connection).await?.rows_affected())
    }

    /// Refreshes the planner's statistics (and, on PostgreSQL, the visibility map that lets a
    /// count read the index alone): worth it after a bulk import.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let statement = match self.db.backend {
            Backend::Sqlite => "ANALYZE orders",
            Backend::Postgres => "VACUUM (ANALYZE) orders",
        };
        sqlx::query(statement).execute(&self.db.pool).await?;
        Ok(())
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}
