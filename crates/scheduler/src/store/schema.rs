//! The tables, created at open by numbered migrations (`confide-db`) recorded in
//! `scheduler_schema_version`. Every table is prefixed `scheduler_` so the scheduler can share a
//! database with other services.
//!
//! Addresses and hashes are lower-case `0x` hex text, uint256 amounts decimal text (never
//! compared in SQL), times BIGINT (unix seconds for chain times, milliseconds for the
//! scheduler's own clock), booleans BIGINT 0/1.

use confide_db::Migrations;

/// The migrations, in order: step i brings the schema to version i + 1.
pub(crate) const MIGRATIONS: Migrations = Migrations {
    service: "scheduler",
    version_table: "scheduler_schema_version",
    lock_key: 7_130_436_151_652_470,
    steps: &[&[
        // The deal watcher's position, stored with the deals it covers.
        "CREATE TABLE IF NOT EXISTS scheduler_checkpoint (
        id BIGINT PRIMARY KEY,
        checkpoint TEXT NOT NULL
    )",
        // One row per deal noticed; `skipped` says why the deal is not run.
        "CREATE TABLE IF NOT EXISTS scheduler_deals (
        deal_id TEXT PRIMARY KEY,
        block BIGINT NOT NULL,
        mode TEXT NOT NULL,
        trust BIGINT NOT NULL,
        bot_first BIGINT NOT NULL,
        bot_size BIGINT NOT NULL,
        skipped TEXT,
        received_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS scheduler_deals_by_block ON scheduler_deals (block)",
        // One row per task, with what the scheduler needs of its deal (read once at intake).
        "CREATE TABLE IF NOT EXISTS scheduler_tasks (
        task_id TEXT PRIMARY KEY,
        deal_id TEXT NOT NULL,
        task_index BIGINT NOT NULL,
        block BIGINT NOT NULL,
        state TEXT NOT NULL,
        mode TEXT NOT NULL,
        trust BIGINT NOT NULL,
        callback TEXT NOT NULL,
        worker_stake TEXT NOT NULL,
        contribution_deadline BIGINT NOT NULL,
        final_deadline BIGINT NOT NULL,
        enclave_challenge TEXT,
        consensus_value TEXT,
        result_digest TEXT,
        result_location TEXT,
        results {bytes},
        results_callback {bytes},
        pending_tx TEXT,
        last_error TEXT,
        updated_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS scheduler_tasks_by_state
        ON scheduler_tasks (state, block, deal_id, task_index)",
        "CREATE INDEX IF NOT EXISTS scheduler_tasks_by_deal
        ON scheduler_tasks (deal_id, task_index)",
        // One row per (task, worker): a worker contributes to a task at most once, ever.
        "CREATE TABLE IF NOT EXISTS scheduler_replicates (
        task_id TEXT NOT NULL,
        worker TEXT NOT NULL,
        state TEXT NOT NULL,
        result_hash TEXT,
        failure TEXT,
        assigned_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (task_id, worker)
    )",
        "CREATE INDEX IF NOT EXISTS scheduler_replicates_by_worker
        ON scheduler_replicates (worker, state)",
        // Registered workers; `last_timestamp` is the newest signed-request time accepted
        // (replays are refused against it).
        "CREATE TABLE IF NOT EXISTS scheduler_workers (
        worker TEXT PRIMARY KEY,
        capacity BIGINT NOT NULL,
        tee BIGINT NOT NULL,
        version TEXT NOT NULL,
        free_stake TEXT NOT NULL,
        score TEXT NOT NULL,
        last_timestamp BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        lost BIGINT NOT NULL,
        registered_at BIGINT NOT NULL
    )",
        // The workerpool order on sale (at most one row).
        "CREATE TABLE IF NOT EXISTS scheduler_orders (
        id BIGINT PRIMARY KEY,
        order_hash TEXT NOT NULL,
        signed_order TEXT NOT NULL,
        published_at BIGINT NOT NULL
    )",
    ]],
};
