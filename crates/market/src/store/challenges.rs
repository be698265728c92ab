//! Login challenges: issued to an address, spent once, purged when expired.

use super::codec::{address_text, hash_text};
use super::{Store, StoreError};
use alloy_primitives::{Address, B256};
use sqlx::{Any, Row, Transaction};

impl Store {
    /// Records the challenge `hash` for `address`, valid until `expires_at_unix`.
    pub async fn issue_challenge(
        &self,
        hash: B256,
        address: Address,
        expires_at_unix: i64,
    ) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query("INSERT INTO challenges (hash, address, expires_at) VALUES ($1, $2, $3)")
                .bind(hash_text(hash))
                .bind(address_text(address))
                .bind(expires_at_unix),
        )
        .await?;
        Ok(())
    }

    /// When the challenge `hash` of `address` expires (UNIX seconds); `None` when it was never
    /// issued to it, or was spent.
    pub async fn challenge_expiry(
        &self,
        hash: B256,
        address: Address,
    ) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT expires_at FROM challenges WHERE hash = $1 AND address = $2")
            .bind(hash_text(hash))
            .bind(address_text(address))
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    /// Spends the challenge (a request that carried a valid signature of it failed); returns
    /// whether it was still there.
    pub async fn spend_challenge(&self, hash: B256, address: Address) -> Result<bool, StoreError> {
        let affected = self
            .write_one(
                sqlx::query("DELETE FROM challenges WHERE hash = $1 AND address = $2")
                    .bind(hash_text(hash))
                    .bind(address_text(address)),
            )
            .await?;
        Ok(affected == 1)
    }

    /// Deletes the challenges expired before `now_unix`; returns how many.
    pub async fn purge_challenges(&self, now_unix: i64) -> Result<u64, StoreError> {
        self.write_one(sqlx::query("DELETE FROM challenges WHERE expires_at < $1").bind(now_unix))
            .await
    }
}

/// Spends the unexpired challenge inside `transaction`: [`StoreError::ChallengeGone`] when a
/// concurrent request spent it first (the transaction must then be dropped).
pub(super) async fn spend_in(
    transaction: &mut Transaction<'_, Any>,
    hash: B256,
    address: Address,
    now_unix: i64,
) -> Result<(), StoreError> {
    let affected =
        sqlx::query("DELETE FROM challenges WHERE hash = $1 AND address = $2 AND expires_at >= $3")
            .bind(hash_text(hash))
            .bind(address_text(address))
            .bind(now_unix)
            .execute(&mut **transaction)
            .await?
            .rows_affected();
    if affected == 1 {
        Ok(())
    } else {
        Err(StoreError::ChallengeGone)
    }
}
