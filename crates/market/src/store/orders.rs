//! Orders: insertion, lookup, queries, unpublication.

use super::codec::{address_text, from_word, hash_text, parse_text, tag_bits, word};
use super::sql::{Arg, bind_all};
use super::{Store, StoreError};
use crate::model::{OrderPage, OrderStatus, PublishedOrder, UnpublishTarget};
use crate::query::OrderQuery;
use crate::time::iso8601;
use alloy_primitives::{Address, B256, U256};
use confide_protocol::SignedOrder;
use confide_protocol::order::{Order, OrderKind};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Orders touched per `IN (…)` statement: well under every engine's bound-parameter limit.
pub(super) const BATCH: usize = 500;

/// The party columns, in the order of [`OrderRow::parties`].
pub(super) const PARTY_COLUMNS: [&str; 4] = ["app", "dataset", "workerpool", "requester"];

/// The column of an order's own asset (the requester, for request orders).
pub(super) const fn asset_column(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => "app",
        OrderKind::Dataset => "dataset",
        OrderKind::Workerpool => "workerpool",
        OrderKind::Request => "requester",
    }
}

/// The columns an insertion writes.
const COLUMNS: usize = 18;

/// `INSERT` of `rows` rows (`ON CONFLICT DO NOTHING`: an order already there is left as it is).
fn insert_statement(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let placeholders: Vec<String> = (1..=COLUMNS)
                .map(|column| format!("${}", row * COLUMNS + column))
                .collect();
            format!("({})", placeholders.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO orders (order_hash, kind, status, app, dataset, workerpool, requester, \
         beneficiary, signer, category, trust, tag, sort_price, volume, remaining, published_at, \
         updated_block, signed_order) VALUES {} ON CONFLICT (order_hash) DO NOTHING",
        values.join(", ")
    )
}

/// Rows per statement of [`Store::insert_rows`] (well under the engines' parameter limits).
const ROWS_PER_INSERT: usize = 50;

const SELECT: &str =
    "SELECT order_hash, kind, status, signer, remaining, published_at, signed_order FROM orders";

/// An order as it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    /// The order hash.
    pub hash: B256,
    /// The kind.
    pub kind: OrderKind,
    /// Its status.
    pub status: OrderStatus,
    /// App, dataset, workerpool and requester: the order's own asset and parties, or its
    /// restrictions on them.
    pub parties: [Address; 4],
    /// A request order's beneficiary (zero for the others).
    pub beneficiary: Address,
    /// The owner whose signature made it valid.
    pub signer: Address,
    /// Workerpool and request orders' category (zero for the others).
    pub category: U256,
    /// Workerpool and request orders' trust (zero for the others).
    pub trust: U256,
    /// The tag's bits ([`super::tag_bits`]).
    pub tag: i64,
    /// The price best-first in ascending order.
    pub sort_price: U256,
    /// The order's volume.
    pub volume: U256,
    /// Volume left.
    pub remaining: U256,
    /// Publication time, UNIX milliseconds.
    pub published_at_ms: i64,
    /// A block at or before the state `remaining` and `status` were last read at: a reorg from
    /// there on re-reads the order.
    pub updated_block: i64,
    /// The signed order.
    pub signed: SignedOrder<Order>,
}

/// Why an order cannot be a row: its tag has bits above 62.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("tag bits above 62 cannot be indexed")]
pub struct UnindexableTag;

impl OrderRow {
    /// The row of an open order `signed` (hash `hash`), valid by `signer`'s signature, with
    /// `remaining` volume, published at `published_at_ms`.
    pub fn open(
        signed: SignedOrder<Order>,
        hash: B256,
        signer: Address,
        remaining: U256,
        published_at_ms: i64,
    ) -> Result<Self, UnindexableTag> {
        let order = &signed.order;
        let tag = tag_bits(order.tag()).ok_or(UnindexableTag)?;
        let zero = Address::ZERO;
        let (parties, beneficiary, category, trust, sort_price) = match order {
            Order::App(o) => (
                [
                    o.app,
                    o.datasetrestrict,
                    o.workerpoolrestrict,
                    o.requesterrestrict,
                ],
                zero,
                U256::ZERO,
                U256::ZERO,
                o.appprice,
            ),
            Order::Dataset(o) => (
                [
                    o.apprestrict,
                    o.dataset,
                    o.workerpoolrestrict,
                    o.requesterrestrict,
                ],
                zero,
                U256::ZERO,
                U256::ZERO,
                o.datasetprice,
            ),
            Order::Workerpool(o) => (
                [
                    o.apprestrict,
                    o.datasetrestrict,
                    o.workerpool,
                    o.requesterrestrict,
                ],
                zero,
                o.category,
                o.trust,
                o.workerpoolprice,
            ),
            // The highest bid for the workerpool first.
            Order::Request(o) => (
                [o.app, o.dataset, o.workerpool, o.requester],
                o.beneficiary,
                o.category,
                o.trust,
                U256::MAX - o.workerpoolmaxprice,
            ),
        };
        Ok(Self {
            hash,
            kind: order.kind(),
            status: OrderStatus::Open,
            parties,
            beneficiary,
            signer,
            category,
            trust,
            tag,
            sort_price,
            volume: order.volume(),
            remaining,
            published_at_ms,
            updated_block: 0,
            signed,
        })
    }

    fn bind_insert(&self) -> Result<Vec<Arg>, StoreError> {
        let json = serde_json::to_string(&self.signed).map_err(|e| StoreError::Malformed {
            what: format!("order {}", self.hash),
            reason: e.to_string(),
        })?;
        let mut args = vec![
            Arg::Text(hash_text(self.hash)),
            Arg::Text(self.kind.name().to_owned()),
            Arg::Text(self.status.name().to_owned()),
        ];
        args.extend(self.parties.map(|p| Arg::Text(address_text(p))));
        args.extend([
            Arg::Text(address_text(self.beneficiary)),
            Arg::Text(address_text(self.signer)),
            Arg::Bytes(word(self.category)),
            Arg::Bytes(word(self.trust)),
            Arg::Int(self.tag),
            Arg::Bytes(word(self.sort_price)),
            Arg::Bytes(word(self.volume)),
            Arg::Bytes(word(self.remaining)),
            Arg::Int(self.published_at_ms),
            Arg::Int(self.updated_block),
            Arg::Text(json),
        ]);
        Ok(args)
    }
}

/// What a publication did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// The order entered the book.
    Inserted,
    /// It was already there: nothing changed.
    AlreadyThere,
}

impl Store {
    /// Spends the login challenge `challenge` of `address` (unexpired at `now_unix`) and inserts
    /// `row`, in one transaction: without the challenge, nothing is inserted.
    pub async fn publish(
        &self,
        row: &OrderRow,
        challenge: B256,
        address: Address,
        now_unix: i64,
    ) -> Result<Published, StoreError> {
        let args = row.bind_insert()?;
        let mut connection = self.writer().await?;
        let mut transaction = self.begin(&mut connection).await?;
        super::challenges::spend_in(&mut transaction, challenge, address, now_unix).await?;
        let inserted = bind_all(sqlx::query(&insert_statement(1)), &args)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        transaction.commit().await?;
        Ok(if inserted == 1 {
            Published::Inserted
        } else {
            Published::AlreadyThere
        })
    }

    /// Inserts rows without a login (operators' imports, benchmarks' set-up), all in one
    /// transaction (random index insertions rewrite fewer pages than in many small ones);
    /// returns how many were new.
    pub async fn insert_rows(&self, rows: &[OrderRow]) -> Result<u64, StoreError> {
        let mut inserted = 0;
        let mut connection = self.writer().await?;
        let mut transaction = self.begin(&mut connection).await?;
        for statement_rows in rows.chunks(ROWS_PER_INSERT) {
            let mut args = Vec::with_capacity(statement_rows.len() * COLUMNS);
            for row in statement_rows {
                args.extend(row.bind_insert()?);
            }
            inserted += bind_all(sqlx::query(&insert_statement(statement_rows.len())), &args)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        }
        transaction.commit().await?;
        Ok(inserted)
    }

    /// The order `hash` of `kind`, whatever its status.
    pub async fn order(
        &self,
        kind: OrderKind,
        hash: B256,
        chain_id: u64,
    ) -> Result<Option<PublishedOrder>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE order_hash = $1 AND kind = $2"))
            .bind(hash_text(hash))
            .bind(kind.name())
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|row| published(&row, chain_id)).transpose()
    }

    /// One page of the open orders of `kind` that `query` selects, best price first (then
    /// oldest first), with how many match in all.
    pub async fn query(
        &self,
        kind: OrderKind,
        query: &OrderQuery,
        chain_id: u64,
    ) -> Result<OrderPage, StoreError> {
        let conditions = super::filters::filters(kind, query);
        let where_clause = conditions.where_clause();
        let offset = query.page.saturating_mul(query.page_size);
        let statement = format!(
            "{SELECT}{where_clause} ORDER BY sort_price, seq LIMIT {} OFFSET {offset}",
            query.page_size
        );
        let rows = conditions
            .bind(sqlx::query(&statement))
            .fetch_all(&self.db.pool)
            .await?;
        let orders = rows
            .iter()
            .map(|row| published(row, chain_id))
            .collect::<Result<Vec<_>, _>>()?;
        let shown = orders.len() as u64;
        // A short page that is not past the end tells the count without counting.
        let count = if shown < query.page_size && (shown > 0 || offset == 0) {
            offset + shown
        } else {
            let statement = format!("SELECT COUNT(*) FROM orders{where_clause}");
            let count: i64 = conditions
                .bind(sqlx::query(&statement))
                .fetch_one(&self.db.pool)
                .await?
                .try_get(0)?;
            u64::try_from(count).unwrap_or_default()
        };
        let next_page = (offset + shown < count).then_some(query.page + 1);
        Ok(OrderPage {
            count,
            orders,
            next_page,
        })
    }

    /// The orders of `kind` that `target` names, with their asset (for the ownership check):
    /// every order of the asset for `All`, its latest open one for `Last`.
    pub async fn unpublish_selection(
        &self,
        kind: OrderKind,
        target: UnpublishTarget,
    ) -> Result<Vec<(B256, Address)>, StoreError> {
        let asset = asset_column(kind);
        let (statement, value) = match target {
            UnpublishTarget::OrderHash(hash) => (
                format!(
                    "SELECT order_hash, {asset} FROM orders WHERE kind = $1 AND order_hash = $2"
                ),
                hash_text(hash),
            ),
            UnpublishTarget::All(address) => (
                format!("SELECT order_hash, {asset} FROM orders WHERE kind = $1 AND {asset} = $2"),
                address_text(address),
            ),
            UnpublishTarget::Last(address) => (
                format!(
                    "SELECT order_hash, {asset} FROM orders WHERE kind = $1 AND {asset} = $2 \
                     AND status = 'open' ORDER BY seq DESC LIMIT 1"
                ),
                address_text(address),
            ),
        };
        let rows = sqlx::query(&statement)
            .bind(kind.name())
            .bind(value)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let hash: String = row.try_get(0)?;
                let asset: String = row.try_get(1)?;
                Ok((
                    parse_text("order hash", &hash)?,
                    parse_text("asset", &asset)?,
                ))
            })
            .collect()
    }

    /// Spends the login challenge and deletes the orders `hashes`, in one transaction; returns
    /// those deleted.
    pub async fn unpublish(
        &self,
        hashes: &[B256],
        challenge: B256,
        address: Address,
        now_unix: i64,
    ) -> Result<Vec<B256>, StoreError> {
        let mut connection = self.writer().await?;
        let mut transaction = self.begin(&mut connection).await?;
        super::challenges::spend_in(&mut transaction, challenge, address, now_unix).await?;
        let mut deleted = Vec::with_capacity(hashes.len());
        for hash in hashes {
            let affected = sqlx::query("DELETE FROM orders WHERE order_hash = $1")
                .bind(hash_text(*hash))
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            if affected == 1 {
                deleted.push(*hash);
            }
        }
        transaction.commit().await?;
        Ok(deleted)
    }

    /// Lowers the order's remaining volume to `remaining` if it is higher (consumption only
    /// grows; a reader that saw less must not undo one that saw more); a remaining of zero
    /// makes an open order filled.
    pub async fn lower_remaining(
        &self,
        hash: B256,
        remaining: U256,
        block: u64,
    ) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query(super::effects::LOWER_REMAINING)
                .bind(word(remaining))
                .bind(i64::from(remaining.is_zero()))
                .bind(super::effects::block_int(block))
                .bind(hash_text(hash)),
        )
        .await?;
        Ok(())
    }
}

/// A selected row as the API shows it.
fn published(row: &AnyRow, chain_id: u64) -> Result<PublishedOrder, StoreError> {
    let hash: String = row.try_get(0)?;
    let kind: String = row.try_get(1)?;
    let status: String = row.try_get(2)?;
    let signer: String = row.try_get(3)?;
    let remaining: Vec<u8> = row.try_get(4)?;
    let published_at: i64 = row.try_get(5)?;
    let json: String = row.try_get(6)?;
    let malformed = |what: &str, reason: String| StoreError::Malformed {
        what: format!("{what} of order {hash}"),
        reason,
    };
    let kind: OrderKind = kind
        .parse()
        .map_err(|e: confide_protocol::order::OrderJsonError| malformed("kind", e.to_string()))?;
    let value = serde_json::from_str(&json).map_err(|e| malformed("JSON", e.to_string()))?;
    let order = SignedOrder::from_json_value_as(Some(kind), value)
        .map_err(|e| malformed("order", e.to_string()))?;
    Ok(PublishedOrder {
        order_hash: parse_text("order hash", &hash)?,
        chain_id,
        remaining: from_word("remaining", &remaining)?,
        status: status.parse().map_err(|e| malformed("status", e))?,
        signer: parse_text("signer", &signer)?,
        publication_timestamp: iso8601(published_at),
        order,
    })
}
