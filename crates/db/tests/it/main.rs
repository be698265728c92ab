//! Migrations on SQLite and on a real PostgreSQL (when `scripts/postgres` provided one).
#![allow(clippy::unwrap_used)]

use confide_db::{Db, DbError, Migrations};
use sqlx::Row as _;

const FIRST: Migrations = Migrations {
    service: "first",
    version_table: "first_schema_version",
    lock_key: 1,
    steps: &[
        &["CREATE TABLE IF NOT EXISTS notes (id {serial_key}, body {bytes} NOT NULL)"],
        &["CREATE INDEX IF NOT EXISTS notes_by_body ON notes (body)"],
    ],
};

/// Another service sharing the database: its own tables and version table.
const SECOND: Migrations = Migrations {
    service: "second",
    version_table: "second_schema_version",
    lock_key: 2,
    steps: &[&["CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY)"]],
};

async fn versions(db: &Db, table: &str) -> Vec<i64> {
    sqlx::query(&format!("SELECT version FROM {table} ORDER BY version"))
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get(0).unwrap())
        .collect()
}

async fn migrations_apply_once_and_refuse_a_newer_schema(url: &str) {
    let db = Db::open(url, &FIRST).await.unwrap();
    sqlx::query("INSERT INTO notes (body) VALUES ($1)")
        .bind(b"kept".to_vec())
        .execute(&db.pool)
        .await
        .unwrap();
    drop(db);
    // Reopened: nothing is applied twice, the rows are still there.
    let db = Db::open(url, &FIRST).await.unwrap();
    assert_eq!(versions(&db, "first_schema_version").await, [1, 2]);
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM notes")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(count, 1);
    let second = Db::open(url, &SECOND).await.unwrap();
    assert_eq!(versions(&second, "second_schema_version").await, [1]);
    assert_eq!(versions(&second, "first_schema_version").await, [1, 2]);

    sqlx::query("INSERT INTO first_schema_version (version) VALUES (7)")
        .execute(&db.pool)
        .await
        .unwrap();
    drop((db, second));
    let refused = Db::open(url, &FIRST).await.unwrap_err();
    assert!(
        matches!(
            refused,
            DbError::SchemaTooNew {
                service: "first",
                found: 7,
                supported: 2
            }
        ),
        "{refused}"
    );
}

#[tokio::test]
async fn on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/db.sqlite", dir.path().display());
    migrations_apply_once_and_refuse_a_newer_schema(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    let Some(url) = confide_db::testing::postgres_database().await else {
        return;
    };
    migrations_apply_once_and_refuse_a_newer_schema(&url).await;
}

#[tokio::test]
async fn unknown_schemes_are_refused_without_echoing_credentials() {
    let refused = Db::open("mysql://root:hunter2@localhost/x", &FIRST)
        .await
        .unwrap_err();
    assert!(matches!(&refused, DbError::UnsupportedUrl { scheme } if scheme == "mysql"));
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
}
