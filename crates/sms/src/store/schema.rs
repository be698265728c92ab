//! The tables, created at open by numbered migrations recorded in `schema_version`. Every
//! statement is idempotent, and on PostgreSQL an advisory lock serializes concurrent openers.

use super::StoreError;
use sqlx::{AnyPool, Row};

/// The two databases, for the few statements whose text differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Column types that differ: byte strings, and an auto-increment primary key.
    fn render(self, statement: &str) -> String {
        let (bytes, serial_key) = match self {
            Backend::Sqlite => ("BLOB", "INTEGER PRIMARY KEY"),
            Backend::Postgres => ("BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        };
        statement
            .replace("{bytes}", bytes)
            .replace("{serial_key}", serial_key)
    }
}

/// The migrations, in order: index i brings the schema to version i + 1.
const MIGRATIONS: &[&[&str]] = &[
    &[
        // One row, sealed under the master key at creation: opening it proves the key is this
        // database's before any secret is needed.
        "CREATE TABLE IF NOT EXISTS key_check (
        name TEXT PRIMARY KEY,
        sealed {bytes} NOT NULL
    )",
        // `id` is `SecretId`'s canonical text; `sealed` the value (seal.rs).
        "CREATE TABLE IF NOT EXISTS secrets (
        id TEXT PRIMARY KEY,
        sealed {bytes} NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    )",
        // One enclave challenge key per task, kept until the task's final deadline.
        "CREATE TABLE IF NOT EXISTS challenges (
        task_id TEXT PRIMARY KEY,
        final_deadline BIGINT NOT NULL,
        sealed {bytes} NOT NULL,
        created_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS challenges_by_deadline ON challenges (final_deadline)",
        "CREATE TABLE IF NOT EXISTS audit (
        id {serial_key},
        at BIGINT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT,
        task_id TEXT,
        subject TEXT NOT NULL,
        outcome TEXT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS audit_by_task ON audit (task_id, id)",
    ],
    &[
        // The signed requests applied to each secret (the hash its owner signed): an update is
        // applied once, so an old signed update cannot bring an old value back.
        "CREATE TABLE IF NOT EXISTS applied_requests (
        secret_id TEXT NOT NULL,
        request TEXT NOT NULL,
        PRIMARY KEY (secret_id, request)
    )",
    ],
];

/// The schema version this code writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database to `LATEST`; refuses a database written by a newer version.
pub(crate) async fn migrate(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    let mut transaction = pool.begin().await?;
    if backend == Backend::Postgres {
        // Held until commit. (Wrapped: the lock function returns `void`, which sqlx's `Any`
        // driver cannot represent.)
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(7130436151652467)) AS locked")
            .fetch_one(&mut *transaction)
            .await?;
    }
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
        .execute(&mut *transaction)
        .await?;
    let current: Option<i64> = sqlx::query("SELECT MAX(version) FROM schema_version")
        .fetch_one(&mut *transaction)
        .await?
        .try_get(0)?;
    let current = current.unwrap_or(0);
    if current > LATEST {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: LATEST,
        });
    }
    for (version, statements) in (1i64..).zip(MIGRATIONS).skip(current as usize) {
        for statement in *statements {
            sqlx::query(&backend.render(statement))
                .execute(&mut *transaction)
                .await?;
        }
        sqlx::query("INSERT INTO schema_version (version) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(version)
            .execute(&mut *transaction)
            .await?;
        tracing::info!(version, "store schema migrated");
    }
    transaction.commit().await?;
    Ok(())
}
