//! The services' databases (DESIGN.md §7): a SQLite file (the embedded default) or PostgreSQL
//! (scale-out), chosen by URL, behind one code path: sqlx's `Any` driver, with `$n` placeholders
//! (SQLite reads them too) and only the column types both map (BIGINT, TEXT, BLOB/BYTEA; see
//! [`Backend::render`]). Each service declares its tables as numbered [`Migrations`], applied at
//! open and recorded in its `schema_version` table.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod migrate;
#[cfg(feature = "testing")]
pub mod testing;

pub use migrate::Migrations;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "unsupported database URL scheme {scheme:?}: use sqlite://<path>, sqlite::memory: or postgres://…"
    )]
    UnsupportedUrl { scheme: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "the {service} database's schema is version {found}, newer than this program's {supported}: \
         upgrade the program"
    )]
    SchemaTooNew {
        service: &'static str,
        found: i64,
        supported: i64,
    },
}

/// The two databases, for the few statements whose text differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Replaces the column types that differ: `{bytes}` (byte strings) and `{serial_key}` (an
    /// auto-increment primary key).
    pub fn render(self, statement: &str) -> String {
        let (bytes, serial_key) = match self {
            Backend::Sqlite => ("BLOB", "INTEGER PRIMARY KEY"),
            Backend::Postgres => ("BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        };
        statement
            .replace("{bytes}", bytes)
            .replace("{serial_key}", serial_key)
    }
}

/// An open, migrated database. Cheap to clone (one shared pool).
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No URL: it may hold a database password.
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens the database at `url` and brings it to the latest version of `migrations`:
    /// `sqlite://<path>` (the file is created if missing), `sqlite::memory:` (gone when the pool
    /// is dropped), or `postgres://user[:password]@host[:port]/database`.
    pub async fn open(url: &str, migrations: &Migrations) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let scheme = url.split(':').next().unwrap_or_default();
        let (backend, url, pool_options) = match scheme {
            "sqlite" if is_memory(url) => (
                Backend::Sqlite,
                url.to_owned(),
                // One connection that never closes: the database lives as long as it does.
                AnyPoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None),
            ),
            "sqlite" => (
                Backend::Sqlite,
                with_create_mode(url),
                AnyPoolOptions::new().max_connections(4),
            ),
            "postgres" | "postgresql" => (Backend::Postgres, url.to_owned(), AnyPoolOptions::new()),
            _ => {
                return Err(DbError::UnsupportedUrl {
                    scheme: scheme.to_owned(),
                });
            }
        };
        let pool = pool_options.connect(&url).await?;
        if backend == Backend::Sqlite && !is_memory(&url) {
            // Readers do not block the writer; persistent in the file. A writer waits for
            // another instead of failing at once.
            sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_optional(&pool)
                .await?;
        }
        let db = Self { pool, backend };
        migrations.apply(&db).await?;
        Ok(db)
    }
}

fn is_memory(url: &str) -> bool {
    url.starts_with("sqlite::memory:") || url.contains("mode=memory")
}

/// SQLite URLs open only existing files unless they say `mode=rwc`.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}
