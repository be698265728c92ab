//! Applying what the logs say ([`Change`]s) and retracting the blocks of a reorg, each in one
//! transaction with the watcher's checkpoint.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::client::WatchCheckpoint;
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Row};

use super::schema::DERIVED_TABLES;
use super::{Store, StoreError, address_text, db_int, encode_checkpoint, hash_text};
use crate::model::{AssetKind, Deal, TaskEventKind, TaskStatus};

/// The log a change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPosition {
    pub block_number: u64,
    pub log_index: u64,
    pub tx_hash: B256,
    /// UNIX seconds: the block's timestamp.
    pub timestamp: u64,
}

/// An asset's immutable metadata, read once from the protocol's views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRecord {
    pub address: Address,
    pub kind: AssetKind,
    /// The name; a workerpool's description.
    pub name: String,
    pub app_type: Option<String>,
    pub multiaddr: Option<Bytes>,
    pub checksum: Option<B256>,
    pub mrenclave: Option<Bytes>,
}

/// A protected data's schema as published and flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedDataRecord {
    pub address: Address,
    pub json_schema: String,
    /// `path:type` entries, each once, in schema order.
    pub entries: Vec<String>,
}

/// One task event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEventRecord {
    pub task_id: B256,
    pub event: TaskEventKind,
    pub worker: Option<Address>,
    pub value: Option<B256>,
    pub results: Option<Bytes>,
}

/// What an escrow event does to one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscrowEvent {
    /// SRLC sent (`Transfer` from the account; a withdrawal or a lock is one too).
    TransferOut,
    /// SRLC received (`Transfer` to the account; a deposit is one too).
    TransferIn,
    /// Funds locked (`Lock`).
    Lock,
    /// Locked funds released (`Unlock`).
    Unlock,
    /// Locked funds taken (`Seize`).
    Seize,
    /// A payment (`Reward`; its `Transfer` moves the balance).
    Reward,
}

impl EscrowEvent {
    const fn as_str(self) -> &'static str {
        match self {
            Self::TransferOut => "TRANSFER_OUT",
            Self::TransferIn => "TRANSFER_IN",
            Self::Lock => "LOCK",
            Self::Unlock => "UNLOCK",
            Self::Seize => "SEIZE",
            Self::Reward => "REWARD",
        }
    }

    /// The balance and locked amount after this event of `amount`.
    fn apply(self, (balance, locked): (U256, U256), amount: U256) -> ((U256, U256), bool) {
        let (after, overflow) = match self {
            Self::TransferOut => {
                let (v, o) = balance.overflowing_sub(amount);
                ((v, locked), o)
            }
            Self::TransferIn => {
                let (v, o) = balance.overflowing_add(amount);
                ((v, locked), o)
            }
            Self::Lock => {
                let (v, o) = locked.overflowing_add(amount);
                ((balance, v), o)
            }
            Self::Unlock | Self::Seize => {
                let (v, o) = locked.overflowing_sub(amount);
                ((balance, v), o)
            }
            Self::Reward => ((balance, locked), false),
        };
        if overflow {
            // Only when indexing started after the account's first events: keep going,
            // clamped, rather than stop the indexer.
            let clamped = match self {
                Self::TransferOut => (U256::ZERO, locked),
                Self::Unlock | Self::Seize => (balance, U256::ZERO),
                _ => (U256::MAX, U256::MAX),
            };
            return (clamped, true);
        }
        (after, false)
    }
}

/// A fact a log establishes, with everything read from the chain for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// An asset is registered (or first seen).
    Asset { at: LogPosition, asset: AssetRecord },
    /// An asset changes hands (`previous` is none for a mint, or an owner seen without its
    /// transfer).
    Owner {
        at: LogPosition,
        asset: Address,
        previous: Option<Address>,
        owner: Address,
    },
    /// A protected data's schema (`DatasetSchema`).
    ProtectedData {
        at: LogPosition,
        record: ProtectedDataRecord,
    },
    /// A deal (`OrdersMatched`).
    Deal { at: LogPosition, deal: Box<Deal> },
    /// A task is initialized (or first seen).
    Task {
        at: LogPosition,
        task_id: B256,
        deal_id: B256,
        index: U256,
    },
    /// A task event.
    TaskEvent {
        at: LogPosition,
        record: TaskEventRecord,
    },
    /// An escrow event for one account (`seq`: its row within the log).
    Escrow {
        at: LogPosition,
        seq: u8,
        account: Address,
        event: EscrowEvent,
        amount: U256,
        counterparty: Option<Address>,
        reference: Option<B256>,
    },
}

type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// Block, log index and transaction of a row.
fn at_binds<'q>(query: Query<'q>, at: &LogPosition) -> Result<Query<'q>, StoreError> {
    Ok(query
        .bind(db_int("block number", at.block_number)?)
        .bind(db_int("log index", at.log_index)?)
        .bind(hash_text(&at.tx_hash)))
}

/// What a batch has written so far of the values read back within it.
#[derive(Default)]
struct Current {
    statuses: HashMap<B256, TaskStatus>,
    accounts: HashMap<Address, (U256, U256)>,
}

impl Store {
    /// Applies `changes` (in log order) and stores `checkpoint`, in one transaction.
    pub async fn apply(
        &self,
        changes: &[Change],
        checkpoint: &WatchCheckpoint,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let mut current = Current::default();
        for change in changes {
            apply_one(&mut transaction, &mut current, change).await?;
        }
        save_checkpoint(&mut transaction, checkpoint).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Deletes every row derived from blocks `from_block` and later (a reorg) and stores
    /// `checkpoint`, in one transaction; returns the number of rows deleted.
    pub async fn retract(
        &self,
        from_block: u64,
        checkpoint: &WatchCheckpoint,
    ) -> Result<u64, StoreError> {
        let from = db_int("block number", from_block)?;
        let mut transaction = self.pool.begin().await?;
        let mut deleted = 0;
        for table in DERIVED_TABLES {
            deleted += sqlx::query(&format!("DELETE FROM {table} WHERE block_number >= $1"))
                .bind(from)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        }
        save_checkpoint(&mut transaction, checkpoint).await?;
        transaction.commit().await?;
        Ok(deleted)
    }
}

async fn save_checkpoint(
    connection: &mut AnyConnection,
    checkpoint: &WatchCheckpoint,
) -> Result<(), StoreError> {
    let updated = sqlx::query("UPDATE indexer_state SET checkpoint = $1 WHERE id = 1")
        .bind(encode_checkpoint(checkpoint)?)
        .execute(connection)
        .await?
        .rows_affected();
    if updated == 1 {
        Ok(())
    } else {
        Err(StoreError::Unbound)
    }
}

async fn apply_one(
    connection: &mut AnyConnection,
    current: &mut Current,
    change: &Change,
) -> Result<(), StoreError> {
    match change {
        Change::Asset { at, asset } => {
            let query = sqlx::query(
                "INSERT INTO assets (address, kind, name, app_type, multiaddr, checksum, mrenclave,
                 block_number, log_index, tx_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(address_text(&asset.address))
            .bind(asset.kind.as_str())
            .bind(asset.name.clone())
            .bind(asset.app_type.clone())
            .bind(asset.multiaddr.as_ref().map(|b| b.to_vec()))
            .bind(asset.checksum.as_ref().map(hash_text))
            .bind(asset.mrenclave.as_ref().map(|b| b.to_vec()));
            at_binds(query, at)?
                .bind(db_int("timestamp", at.timestamp)?)
                .execute(connection)
                .await?;
        }
        Change::Owner {
            at,
            asset,
            previous,
            owner,
        } => {
            let query = sqlx::query(
                "INSERT INTO ownership (asset, previous_owner, new_owner, block_number, log_index, tx_hash)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(address_text(asset))
            .bind(previous.as_ref().map(address_text))
            .bind(address_text(owner));
            at_binds(query, at)?.execute(connection).await?;
        }
        Change::ProtectedData { at, record } => {
            let address = address_text(&record.address);
            let query = sqlx::query(
                "INSERT INTO protected_data (address, json_schema, schema_entries, creation_timestamp,
                 block_number, log_index, tx_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(address.clone())
            .bind(record.json_schema.clone())
            .bind(record.entries.join("\n"))
            .bind(db_int("timestamp", at.timestamp)?);
            at_binds(query, at)?.execute(&mut *connection).await?;
            for (position, entry) in (0i64..).zip(&record.entries) {
                sqlx::query(
                    "INSERT INTO protected_data_schema (address, entry, position, creation_timestamp,
                     block_number, log_index) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(address.clone())
                .bind(entry.clone())
                .bind(position)
                .bind(db_int("timestamp", at.timestamp)?)
                .bind(db_int("block number", at.block_number)?)
                .bind(db_int("log index", at.log_index)?)
                .execute(&mut *connection)
                .await?;
            }
        }
        Change::Deal { at, deal } => insert_deal(connection, at, deal).await?,
        Change::Task {
            at,
            task_id,
            deal_id,
            index,
        } => {
            let query = sqlx::query(
                "INSERT INTO tasks (task_id, deal_id, task_index, block_number, log_index, tx_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(hash_text(task_id))
            .bind(hash_text(deal_id))
            .bind(index.to_string());
            at_binds(query, at)?
                .bind(db_int("timestamp", at.timestamp)?)
                .execute(connection)
                .await?;
        }
        Change::TaskEvent { at, record } => {
            let before = match current.statuses.get(&record.task_id) {
                Some(status) => Some(*status),
                None => task_status(connection, &record.task_id).await?,
            };
            let status = record
                .event
                .status_after(before.unwrap_or(TaskStatus::Active));
            current.statuses.insert(record.task_id, status);
            let query = sqlx::query(
                "INSERT INTO task_events (task_id, event, status, worker, value, results, created_at,
                 block_number, log_index, tx_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(hash_text(&record.task_id))
            .bind(record.event.as_str())
            .bind(status.as_str())
            .bind(record.worker.as_ref().map(address_text))
            .bind(record.value.as_ref().map(hash_text))
            .bind(record.results.as_ref().map(|b| b.to_vec()))
            .bind(db_int("timestamp", at.timestamp)?);
            at_binds(query, at)?.execute(connection).await?;
        }
        Change::Escrow {
            at,
            seq,
            account,
            event,
            amount,
            counterparty,
            reference,
        } => {
            let before = match current.accounts.get(account) {
                Some(values) => *values,
                None => account_values(connection, account).await?,
            };
            let (after, clamped) = event.apply(before, *amount);
            if clamped {
                tracing::warn!(
                    %account, event = event.as_str(), %amount,
                    "escrow event beyond the indexed balance (indexing started after the account's first events?): clamped"
                );
            }
            current.accounts.insert(*account, after);
            let query = sqlx::query(
                "INSERT INTO account_events (seq, account, event, amount, counterparty, reference,
                 balance, locked, block_number, log_index, tx_hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(i64::from(*seq))
            .bind(address_text(account))
            .bind(event.as_str())
            .bind(amount.to_string())
            .bind(counterparty.as_ref().map(address_text))
            .bind(reference.as_ref().map(hash_text))
            .bind(after.0.to_string())
            .bind(after.1.to_string());
            at_binds(query, at)?.execute(connection).await?;
        }
    }
    Ok(())
}

async fn insert_deal(
    connection: &mut AnyConnection,
    at: &LogPosition,
    deal: &Deal,
) -> Result<(), StoreError> {
    let query = sqlx::query(
        "INSERT INTO deals (deal_id, app, app_owner, app_price, dataset, dataset_owner, dataset_price,
         workerpool, workerpool_owner, workerpool_price, trust, category, tag, requester, beneficiary,
         callback, params, start_time, bot_first, bot_size, volume, worker_stake,
         scheduler_reward_ratio, sponsor, app_order_hash, dataset_order_hash,
         workerpool_order_hash, request_order_hash, created_at, block_number, log_index, tx_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
         $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)",
    )
    .bind(hash_text(&deal.deal_id))
    .bind(address_text(&deal.app.pointer))
    .bind(address_text(&deal.app.owner))
    .bind(deal.app.price.to_string())
    .bind(address_text(&deal.dataset.pointer))
    .bind(address_text(&deal.dataset.owner))
    .bind(deal.dataset.price.to_string())
    .bind(address_text(&deal.workerpool.pointer))
    .bind(address_text(&deal.workerpool.owner))
    .bind(deal.workerpool.price.to_string())
    .bind(deal.trust.to_string())
    .bind(deal.category.to_string())
    .bind(hash_text(&deal.tag))
    .bind(address_text(&deal.requester))
    .bind(address_text(&deal.beneficiary))
    .bind(address_text(&deal.callback))
    .bind(deal.params.clone())
    .bind(db_int("start time", deal.start_time)?)
    .bind(deal.bot_first.to_string())
    .bind(deal.bot_size.to_string())
    .bind(deal.volume.to_string())
    .bind(deal.worker_stake.to_string())
    .bind(deal.scheduler_reward_ratio.to_string())
    .bind(address_text(&deal.sponsor))
    .bind(hash_text(&deal.app_order_hash))
    .bind(hash_text(&deal.dataset_order_hash))
    .bind(hash_text(&deal.workerpool_order_hash))
    .bind(hash_text(&deal.request_order_hash))
    .bind(db_int("timestamp", at.timestamp)?);
    at_binds(query, at)?.execute(connection).await?;
    Ok(())
}

/// The status of the task's latest event, if it has any.
async fn task_status(
    connection: &mut AnyConnection,
    task_id: &B256,
) -> Result<Option<TaskStatus>, StoreError> {
    let row = sqlx::query(
        "SELECT status FROM task_events WHERE task_id = $1
         ORDER BY block_number DESC, log_index DESC LIMIT 1",
    )
    .bind(hash_text(task_id))
    .fetch_optional(connection)
    .await?;
    row.map(|row| {
        let text: String = row.try_get(0)?;
        text.parse().map_err(|reason| StoreError::Malformed {
            what: "task status",
            reason,
        })
    })
    .transpose()
}

/// The balance and locked amount after the account's latest event (zero: none).
pub(crate) async fn account_values(
    connection: &mut AnyConnection,
    account: &Address,
) -> Result<(U256, U256), StoreError> {
    let row = sqlx::query(
        "SELECT balance, locked FROM account_events WHERE account = $1
         ORDER BY block_number DESC, log_index DESC, seq DESC LIMIT 1",
    )
    .bind(address_text(account))
    .fetch_optional(connection)
    .await?;
    let Some(row) = row else {
        return Ok((U256::ZERO, U256::ZERO));
    };
    let amount = |index: usize| -> Result<U256, StoreError> {
        let text: String = row.try_get(index)?;
        text.parse().map_err(
            |e: alloy_primitives::ruint::ParseError| StoreError::Malformed {
                what: "amount",
                reason: e.to_string(),
            },
        )
    };
    Ok((amount(0)?, amount(1)?))
}
