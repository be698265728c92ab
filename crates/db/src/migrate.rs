//! Numbered migrations, applied at open inside one transaction and recorded in a version table.
//! Every statement must be idempotent; on PostgreSQL an advisory lock serializes concurrent
//! openers.

use crate::{Db, DbError};
use sqlx::Row;

/// A service's tables, as numbered steps: step i brings the schema to version i + 1. Statements
/// may use `{bytes}` and `{serial_key}` ([`crate::Backend::render`]).
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    /// The service, for messages.
    pub service: &'static str,
    /// The table recording the applied versions.
    pub version_table: &'static str,
    /// The PostgreSQL advisory lock key held while migrating.
    pub lock_key: i64,
    pub steps: &'static [&'static [&'static str]],
}

impl Migrations {
    /// The schema version these migrations write.
    pub fn latest(&self) -> i64 {
        self.steps.len() as i64
    }

    /// Brings the database to [`Migrations::latest`]; refuses a database written by a newer
    /// version.
    pub(crate) async fn apply(&self, db: &Db) -> Result<(), DbError> {
        let mut transaction = db.pool.begin().await?;
        if db.backend == crate::Backend::Postgres {
            // Held until commit. (Wrapped: the lock function returns `void`, which sqlx's `Any`
            // driver cannot represent.)
            sqlx::query(&format!(
                "SELECT 1 FROM (SELECT pg_advisory_xact_lock({})) AS locked",
                self.lock_key
            ))
            .fetch_one(&mut *transaction)
            .await?;
        }
        let table = self.version_table;
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (version BIGINT PRIMARY KEY)"
        ))
        .execute(&mut *transaction)
        .await?;
        let current: Option<i64> = sqlx::query(&format!("SELECT MAX(version) FROM {table}"))
            .fetch_one(&mut *transaction)
            .await?
            .try_get(0)?;
        let current = current.unwrap_or(0);
        if current > self.latest() {
            return Err(DbError::SchemaTooNew {
                service: self.service,
                found: current,
                supported: self.latest(),
            });
        }
        for (version, statements) in (1i64..).zip(self.steps).skip(current as usize) {
            for statement in *statements {
                sqlx::query(&db.backend.render(statement))
                    .execute(&mut *transaction)
                    .await?;
            }
            sqlx::query(&format!(
                "INSERT INTO {table} (version) VALUES ($1) ON CONFLICT DO NOTHING"
            ))
            .bind(version)
            .execute(&mut *transaction)
            .await?;
            tracing::info!(service = self.service, version, "database schema migrated");
        }
        transaction.commit().await?;
        Ok(())
    }
}
