//! The tables, created at open by numbered migrations (`confide-db`) recorded in
//! `schema_version`.

use confide_db::Migrations;

/// The migrations, in order: step i brings the schema to version i + 1.
pub(crate) const MIGRATIONS: Migrations = Migrations {
    service: "SMS",
    version_table: "schema_version",
    lock_key: 7130436151652467,
    steps: &[
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
    ],
};
