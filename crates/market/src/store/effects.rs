//! What the chain's events do to the book, applied with the watcher's checkpoint in one
//! transaction (a restart resumes after the last batch applied, never in the middle of one).

use super::codec::{address_text, from_word, hash_text, parse_text, word};
use super::orders::{BATCH, PARTY_COLUMNS, asset_column};
use super::{Store, StoreError};
use crate::model::OrderStatus;
use alloy_primitives::{Address, B256, U256};
use confide_chain::client::WatchCheckpoint;
use confide_protocol::order::OrderKind;
use sqlx::Row;
use std::collections::HashMap;

/// The checkpoint row's name.
const WATCHER: &str = "chain";

/// Lowers `remaining` (never raises it), fills an open order that reaches zero, and remembers
/// the newest block read. `$1` remaining, `$2` 1 when it is zero, `$3` block, `$4` hash.
pub(super) const LOWER_REMAINING: &str = "UPDATE orders SET \
     status = CASE WHEN status = 'open' AND $2 = 1 THEN 'filled' ELSE status END, \
     remaining = CASE WHEN remaining > $1 THEN $1 ELSE remaining END, \
     updated_block = CASE WHEN updated_block > $3 THEN updated_block ELSE $3 END \
     WHERE order_hash = $4";

/// One change the chain made to the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Deals consumed the order: `remaining` is what the chain now leaves (lowered only).
    Consumed {
        hash: B256,
        remaining: U256,
        block: u64,
    },
    /// Its owner closed it (`Closed*Order`).
    Closed { hash: B256, block: u64 },
    /// The asset of orders of `kind` now belongs to `owner`: the orders another owner signed are
    /// dead, those `owner` signed (dead after an earlier transfer) live again.
    Transferred {
        kind: OrderKind,
        asset: Address,
        owner: Address,
        block: u64,
    },
    /// Re-read after a reorg: the order's volume left and status as the chain now has them.
    Reread {
        hash: B256,
        remaining: U256,
        status: OrderStatus,
        block: u64,
    },
}

/// An order a reorg may have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchedOrder {
    pub hash: B256,
    pub kind: OrderKind,
    /// Its asset (the requester of a request order).
    pub asset: Address,
    pub signer: Address,
    pub volume: U256,
    pub status: OrderStatus,
}

/// Blocks as the databases' BIGINT.
pub(super) fn block_int(block: u64) -> i64 {
    i64::try_from(block).unwrap_or(i64::MAX)
}

impl Store {
    /// Applies `effects` in order and stores `checkpoint`, in one transaction.
    pub async fn apply(
        &self,
        effects: &[Effect],
        checkpoint: &WatchCheckpoint,
    ) -> Result<(), StoreError> {
        let checkpoint = serde_json::to_string(checkpoint).map_err(|e| StoreError::Malformed {
            what: "watcher checkpoint".into(),
            reason: e.to_string(),
        })?;
        let mut connection = self.writer().await?;
        let mut transaction = self.begin(&mut connection).await?;
        for effect in effects {
            match effect {
                Effect::Consumed {
                    hash,
                    remaining,
                    block,
                } => {
                    sqlx::query(LOWER_REMAINING)
                        .bind(word(*remaining))
                        .bind(i64::from(remaining.is_zero()))
                        .bind(block_int(*block))
                        .bind(hash_text(*hash))
                        .execute(&mut *transaction)
                        .await?;
                }
                Effect::Closed { hash, block } => {
                    sqlx::query(
                        "UPDATE orders SET remaining = $1, status = 'canceled', \
                         updated_block = $2 WHERE order_hash = $3",
                    )
                    .bind(word(U256::ZERO))
                    .bind(block_int(*block))
                    .bind(hash_text(*hash))
                    .execute(&mut *transaction)
                    .await?;
                }
                Effect::Transferred {
                    kind,
                    asset,
                    owner,
                    block,
                } => {
                    let column = asset_column(*kind);
                    sqlx::query(&format!(
                        "UPDATE orders SET status = 'dead', updated_block = $1 \
                         WHERE kind = $2 AND {column} = $3 AND signer <> $4 AND status = 'open'"
                    ))
                    .bind(block_int(*block))
                    .bind(kind.name())
                    .bind(address_text(*asset))
                    .bind(address_text(*owner))
                    .execute(&mut *transaction)
                    .await?;
                    sqlx::query(&format!(
                        "UPDATE orders SET status = 'open', updated_block = $1 \
                         WHERE kind = $2 AND {column} = $3 AND signer = $4 AND status = 'dead' \
                         AND remaining > $5"
                    ))
                    .bind(block_int(*block))
                    .bind(kind.name())
                    .bind(address_text(*asset))
                    .bind(address_text(*owner))
                    .bind(word(U256::ZERO))
                    .execute(&mut *transaction)
                    .await?;
                }
                Effect::Reread {
                    hash,
                    remaining,
                    status,
                    block,
                } => {
                    sqlx::query(
                        "UPDATE orders SET remaining = $1, status = $2, updated_block = $3 \
                         WHERE order_hash = $4",
                    )
                    .bind(word(*remaining))
                    .bind(status.name())
                    .bind(block_int(*block))
                    .bind(hash_text(*hash))
                    .execute(&mut *transaction)
                    .await?;
                }
            }
        }
        sqlx::query(
            "INSERT INTO watcher_checkpoint (name, checkpoint) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint",
        )
        .bind(WATCHER)
        .bind(checkpoint)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// The watcher's stored checkpoint, if it ever stored one.
    pub async fn checkpoint(&self) -> Result<Option<WatchCheckpoint>, StoreError> {
        let row = sqlx::query("SELECT checkpoint FROM watcher_checkpoint WHERE name = $1")
            .bind(WATCHER)
            .fetch_optional(&self.db.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let text: String = row.try_get(0)?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Malformed {
                what: "watcher checkpoint".into(),
                reason: e.to_string(),
            })
    }

    /// The volumes of those of `hashes` that are in the book.
    pub async fn volumes(&self, hashes: &[B256]) -> Result<HashMap<B256, U256>, StoreError> {
        let mut volumes = HashMap::new();
        for chunk in hashes.chunks(BATCH) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let statement = format!(
                "SELECT order_hash, volume FROM orders WHERE order_hash IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&statement);
            for hash in chunk {
                query = query.bind(hash_text(*hash));
            }
            for row in query.fetch_all(&self.db.pool).await? {
                let hash: String = row.try_get(0)?;
                let volume: Vec<u8> = row.try_get(1)?;
                volumes.insert(
                    parse_text("order hash", &hash)?,
                    from_word("volume", &volume)?,
                );
            }
        }
        Ok(volumes)
    }

    /// The orders whose state was read at `block` or later.
    pub async fn touched_since(&self, block: u64) -> Result<Vec<TouchedOrder>, StoreError> {
        let rows = sqlx::query(
            "SELECT order_hash, kind, app, dataset, workerpool, requester, signer, volume, status \
             FROM orders WHERE updated_block >= $1",
        )
        .bind(block_int(block))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let text = |i: usize| row.try_get::<String, _>(i);
                let kind: OrderKind =
                    text(1)?
                        .parse()
                        .map_err(|e: confide_protocol::order::OrderJsonError| {
                            StoreError::Malformed {
                                what: "kind".into(),
                                reason: e.to_string(),
                            }
                        })?;
                let asset_index = 2 + PARTY_COLUMNS
                    .iter()
                    .position(|c| *c == asset_column(kind))
                    .unwrap_or_default();
                let volume: Vec<u8> = row.try_get(7)?;
                Ok(TouchedOrder {
                    hash: parse_text("order hash", &text(0)?)?,
                    kind,
                    asset: parse_text("asset", &text(asset_index)?)?,
                    signer: parse_text("signer", &text(6)?)?,
                    volume: from_word("volume", &volume)?,
                    status: text(8)?.parse().map_err(|reason| StoreError::Malformed {
                        what: "status".into(),
                        reason,
                    })?,
                })
            })
            .collect()
    }
}
