//! The tables, created at open by numbered migrations (`confide-db`) recorded in
//! `indexer_schema_version`.
//!
//! Every row derived from a log carries the log's `block_number`: retracting the blocks of a
//! reorg is one `DELETE … WHERE block_number >= $1` per table. Rows are never updated; what is
//! current (an asset's owner, a task's status, an account's balance) is read from the latest
//! row of a history keyed by (block, log index).

use confide_db::Migrations;

/// The tables derived from logs (all have `block_number`), children first.
pub(crate) const DERIVED_TABLES: &[&str] = &[
    "protected_data_schema",
    "protected_data",
    "ownership",
    "assets",
    "task_events",
    "tasks",
    "deals",
    "account_events",
];

/// The migrations, in order: step i brings the schema to version i + 1.
pub(crate) const MIGRATIONS: Migrations = Migrations {
    service: "indexer",
    version_table: "indexer_schema_version",
    lock_key: 7_130_436_151_652_468,
    steps: &[&[
        // One row: the deployment indexed and the watcher's checkpoint (JSON), written in the
        // transaction of the rows it covers.
        "CREATE TABLE IF NOT EXISTS indexer_state (
        id BIGINT PRIMARY KEY,
        chain_id BIGINT NOT NULL,
        protocol TEXT NOT NULL,
        checkpoint TEXT NOT NULL
    )",
        // Apps, datasets and workerpools, read from the protocol's views once, at creation
        // (their metadata is immutable). `name` is a workerpool's description.
        "CREATE TABLE IF NOT EXISTS assets (
        address TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        app_type TEXT,
        multiaddr {bytes},
        checksum TEXT,
        mrenclave {bytes},
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        tx_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS assets_by_kind ON assets (kind, block_number, log_index)",
        "CREATE INDEX IF NOT EXISTS assets_by_block ON assets (block_number)",
        // Registry `Transfer`s (a mint has no previous owner; an owner first seen without its
        // transfer, when indexing started later, neither).
        "CREATE TABLE IF NOT EXISTS ownership (
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        asset TEXT NOT NULL,
        previous_owner TEXT,
        new_owner TEXT NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (block_number, log_index)
    )",
        "CREATE INDEX IF NOT EXISTS ownership_by_asset ON ownership (asset, block_number, log_index)",
        "CREATE INDEX IF NOT EXISTS ownership_by_owner ON ownership (new_owner)",
        // DataProtector's `DatasetSchema`: the schema as published, and its `path:type` entries.
        // `schema_entries`: the entries below, newline-separated, in schema order (read with
        // the row; the entries' table is what queries search).
        "CREATE TABLE IF NOT EXISTS protected_data (
        address TEXT PRIMARY KEY,
        json_schema TEXT NOT NULL,
        schema_entries TEXT NOT NULL,
        creation_timestamp BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        tx_hash TEXT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS protected_data_by_creation ON protected_data (creation_timestamp, block_number, log_index)",
        "CREATE INDEX IF NOT EXISTS protected_data_by_block ON protected_data (block_number)",
        // The protected data's creation order is repeated here so that a query by entry reads
        // its page straight from the index, newest first.
        "CREATE TABLE IF NOT EXISTS protected_data_schema (
        address TEXT NOT NULL,
        entry TEXT NOT NULL,
        position BIGINT NOT NULL,
        creation_timestamp BIGINT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        PRIMARY KEY (address, entry)
    )",
        "CREATE INDEX IF NOT EXISTS protected_data_schema_by_entry ON protected_data_schema (entry, creation_timestamp, block_number, log_index)",
        "CREATE INDEX IF NOT EXISTS protected_data_schema_by_block ON protected_data_schema (block_number)",
        // `OrdersMatched` + `viewDeal`. Amounts and counters as decimal text (uint256).
        "CREATE TABLE IF NOT EXISTS deals (
        deal_id TEXT PRIMARY KEY,
        app TEXT NOT NULL,
        app_owner TEXT NOT NULL,
        app_price TEXT NOT NULL,
        dataset TEXT NOT NULL,
        dataset_owner TEXT NOT NULL,
        dataset_price TEXT NOT NULL,
        workerpool TEXT NOT NULL,
        workerpool_owner TEXT NOT NULL,
        workerpool_price TEXT NOT NULL,
        trust TEXT NOT NULL,
        category TEXT NOT NULL,
        tag TEXT NOT NULL,
        requester TEXT NOT NULL,
        beneficiary TEXT NOT NULL,
        callback TEXT NOT NULL,
        params TEXT NOT NULL,
        start_time BIGINT NOT NULL,
        bot_first TEXT NOT NULL,
        bot_size TEXT NOT NULL,
        volume TEXT NOT NULL,
        worker_stake TEXT NOT NULL,
        scheduler_reward_ratio TEXT NOT NULL,
        sponsor TEXT NOT NULL,
        app_order_hash TEXT NOT NULL,
        dataset_order_hash TEXT NOT NULL,
        workerpool_order_hash TEXT NOT NULL,
        request_order_hash TEXT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        tx_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS deals_by_requester ON deals (requester)",
        "CREATE INDEX IF NOT EXISTS deals_by_app ON deals (app)",
        "CREATE INDEX IF NOT EXISTS deals_by_dataset ON deals (dataset)",
        "CREATE INDEX IF NOT EXISTS deals_by_workerpool ON deals (workerpool)",
        "CREATE INDEX IF NOT EXISTS deals_by_block ON deals (block_number, log_index)",
        // `TaskInitialize` + `viewTask` (deal and index).
        "CREATE TABLE IF NOT EXISTS tasks (
        task_id TEXT PRIMARY KEY,
        deal_id TEXT NOT NULL,
        task_index TEXT NOT NULL,
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        tx_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS tasks_by_deal ON tasks (deal_id)",
        "CREATE INDEX IF NOT EXISTS tasks_by_block ON tasks (block_number, log_index)",
        // Every task event with the status after it: the latest row is the current status.
        "CREATE TABLE IF NOT EXISTS task_events (
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        task_id TEXT NOT NULL,
        event TEXT NOT NULL,
        status TEXT NOT NULL,
        worker TEXT,
        value TEXT,
        results {bytes},
        tx_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (block_number, log_index)
    )",
        "CREATE INDEX IF NOT EXISTS task_events_by_task ON task_events (task_id, block_number, log_index)",
        "CREATE INDEX IF NOT EXISTS task_events_by_status ON task_events (status)",
        // Escrow events per account (an ERC-20 transfer is two rows: `seq` 0 for the sender, 1
        // for the receiver) with the balance and locked amount after each: the latest row is
        // the account.
        "CREATE TABLE IF NOT EXISTS account_events (
        block_number BIGINT NOT NULL,
        log_index BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        account TEXT NOT NULL,
        event TEXT NOT NULL,
        amount TEXT NOT NULL,
        counterparty TEXT,
        reference TEXT,
        balance TEXT NOT NULL,
        locked TEXT NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (block_number, log_index, seq)
    )",
        "CREATE INDEX IF NOT EXISTS account_events_by_account ON account_events (account, block_number, log_index, seq)",
    ]],
};
