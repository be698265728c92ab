//! The tables, created at open by numbered migrations (`confide-db`) recorded in
//! `market_schema_version`.
//!
//! uint256 values that are compared or sorted (prices, volumes, category, trust) are stored as
//! 32 big-endian bytes: byte order is numeric order on both databases, with no collation
//! involved. Addresses and hashes are lower-case `0x` hex text (compared for equality only).

use confide_db::Migrations;

/// The migrations, in order: step i brings the schema to version i + 1.
pub(crate) const MIGRATIONS: Migrations = Migrations {
    service: "market",
    version_table: "market_schema_version",
    lock_key: 7_130_436_151_652_468,
    steps: &[&[
        // One row per published order. The four party columns hold, for each kind, the order's
        // own asset or the restriction on that party (an app order's `dataset` column is its
        // `datasetrestrict`), so one filter serves every kind. `signer` is the asset's owner
        // when the order was accepted; `sort_price` the price best-first in ascending byte
        // order (a request order's is 2^256 − 1 − workerpoolmaxprice: the highest bid first).
        "CREATE TABLE IF NOT EXISTS orders (
        seq {serial_key},
        order_hash TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        app TEXT NOT NULL,
        dataset TEXT NOT NULL,
        workerpool TEXT NOT NULL,
        requester TEXT NOT NULL,
        beneficiary TEXT NOT NULL,
        signer TEXT NOT NULL,
        category {bytes} NOT NULL,
        trust {bytes} NOT NULL,
        tag BIGINT NOT NULL,
        sort_price {bytes} NOT NULL,
        volume {bytes} NOT NULL,
        remaining {bytes} NOT NULL,
        published_at BIGINT NOT NULL,
        updated_block BIGINT NOT NULL,
        signed_order TEXT NOT NULL
    )",
        // Every query filters on kind and status and sorts on (sort_price, seq); each index
        // leads with the column a query of one kind names first.
        "CREATE INDEX IF NOT EXISTS orders_by_price ON orders (kind, status, sort_price, seq)",
        "CREATE INDEX IF NOT EXISTS orders_by_app ON orders (kind, status, app, sort_price, seq)",
        "CREATE INDEX IF NOT EXISTS orders_by_dataset
        ON orders (kind, status, dataset, sort_price, seq)",
        "CREATE INDEX IF NOT EXISTS orders_by_workerpool
        ON orders (kind, status, workerpool, sort_price, seq)",
        "CREATE INDEX IF NOT EXISTS orders_by_requester
        ON orders (kind, status, requester, sort_price, seq)",
        "CREATE INDEX IF NOT EXISTS orders_by_category
        ON orders (kind, status, category, sort_price, seq)",
        "CREATE INDEX IF NOT EXISTS orders_by_signer
        ON orders (kind, status, signer, sort_price, seq)",
        // What a reorg makes the watcher re-read.
        "CREATE INDEX IF NOT EXISTS orders_by_updated_block ON orders (updated_block)",
        // Login challenges: the typed-data hash, who may answer it, until when (UNIX seconds).
        "CREATE TABLE IF NOT EXISTS challenges (
        hash TEXT PRIMARY KEY,
        address TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
        "CREATE INDEX IF NOT EXISTS challenges_by_expiry ON challenges (expires_at)",
        // The chain watcher's position (JSON), written with the effects of the logs it covers.
        "CREATE TABLE IF NOT EXISTS watcher_checkpoint (
        name TEXT PRIMARY KEY,
        checkpoint TEXT NOT NULL
    )",
    ]],
};
