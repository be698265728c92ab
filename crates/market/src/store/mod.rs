//! The book's persistence: orders, login challenges and the chain watcher's checkpoint, in
//! SQLite (a file, the embedded default) or PostgreSQL (scale-out), by URL (`confide-db`).
//!
//! Writes are short single statements or one short transaction each: publishing spends the
//! login challenge and inserts the order together, unpublishing spends it and deletes, and the
//! watcher applies a batch of chain effects with its checkpoint. Chain reads never happen inside
//! a transaction. Inserting an order already in the book does nothing (`ON CONFLICT DO NOTHING`):
//! concurrent duplicate publications race on the unique hash, never on a check-then-insert.

mod challenges;
mod codec;
mod effects;
mod orders;
mod schema;
mod sql;

pub use codec::tag_bits;
pub use effects::{Effect, TouchedOrder};
pub use orders::{OrderRow, Published};

use confide_db::Db;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL scheme {scheme:?}: use sqlite://<path>, sqlite::memory: or postgres://…"
    )]
    UnsupportedUrl { scheme: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "the database's schema is version {found}, newer than this program's {supported}: \
         upgrade the program"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    /// The login challenge was spent by a concurrent request (or purged) meanwhile.
    #[error("the challenge was used by another request")]
    ChallengeGone,
    #[error("the stored {what} is malformed: {reason}")]
    Malformed { what: String, reason: String },
}

impl From<confide_db::DbError> for StoreError {
    fn from(error: confide_db::DbError) -> Self {
        use confide_db::DbError;
        match error {
            DbError::UnsupportedUrl { scheme } => Self::UnsupportedUrl { scheme },
            DbError::Database(error) => Self::Database(error),
            DbError::SchemaTooNew {
                found, supported, ..
            } => Self::SchemaTooNew { found, supported },
        }
    }
}

/// The market's store. Cheap to clone (one shared pool).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens (creating or migrating) the database at `url`: `sqlite://<path>`, `sqlite::memory:`
    /// or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let db = Db::open(url, &schema::MIGRATIONS).await?;
        Ok(Self { db })
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}
