//! The workerpool order on sale (kept so a restart does not publish a second one).

use super::{Store, StoreError, get_hash, get_text, get_u64, hash_text, int, malformed};
use alloy_primitives::B256;
use confide_protocol::{SignedOrder, WorkerpoolOrder};

/// The order published last.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    pub order_hash: B256,
    pub order: SignedOrder<WorkerpoolOrder>,
    pub published_at_ms: u64,
}

impl Store {
    /// The order published last, if any.
    pub async fn current_order(&self) -> Result<Option<StoredOrder>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT order_hash, signed_order, published_at FROM scheduler_orders WHERE id = 1",
        )
        .fetch_optional(&self.db.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(StoredOrder {
            order_hash: get_hash(&row, "order_hash")?,
            order: serde_json::from_str(&get_text(&row, "signed_order")?)
                .map_err(|e| malformed("signed order", e))?,
            published_at_ms: get_u64(&row, "published_at")?,
        }))
    }

    /// Records the order just published.
    pub async fn set_current_order(&self, order: &StoredOrder) -> Result<(), StoreError> {
        let signed = serde_json::to_string(&order.order).map_err(|e| malformed("order", e))?;
        sqlx::query(
            "INSERT INTO scheduler_orders (id, order_hash, signed_order, published_at) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
             order_hash = excluded.order_hash, signed_order = excluded.signed_order, \
             published_at = excluded.published_at",
        )
        .bind(hash_text(order.order_hash))
        .bind(signed)
        .bind(int(order.published_at_ms))
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }
}
