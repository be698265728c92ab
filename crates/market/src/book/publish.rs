//! Publishing and unpublishing orders.

use alloy_primitives::{B256, U256};
use confide_protocol::SignedOrder;
use confide_protocol::order::{Order, OrderIdentity, OrderKind};
use confide_protocol::signature::recover_prehash_signer;

use super::validation::{self, Signatures};
use super::{Market, now_unix};
use crate::auth::Authorization;
use crate::chain;
use crate::error::MarketError;
use crate::model::UnpublishTarget;
use crate::store::{OrderRow, Published, StoreError};
use crate::time::unix_now_ms;

impl Market {
    /// Lists `signed`, published by the holder of `authorization` (who must be its owner);
    /// returns its hash. Publishing an order already listed changes nothing.
    pub async fn publish(
        &self,
        signed: SignedOrder<Order>,
        authorization: &Authorization,
    ) -> Result<B256, MarketError> {
        validation::check_shape(&signed)?;
        let domain = self.domain;
        let login = authorization.clone();
        let (signed, signatures) = tokio::task::spawn_blocking(move || {
            let signatures = validation::recover(&signed, &domain, &login);
            (signed, signatures)
        })
        .await
        .map_err(|e| MarketError::Internal(e.to_string()))?;
        let Signatures {
            hash,
            order_signer,
            login_signer,
        } = signatures;
        self.authenticate(authorization, login_signer).await?;
        let admitted = match validation::admit(
            &self.chain,
            &signed,
            hash,
            order_signer,
            authorization.address,
        )
        .await
        {
            Ok(admitted) => admitted,
            Err(error) => {
                self.spend(authorization).await;
                return Err(error);
            }
        };
        let volume = signed.order.volume();
        let mut row = OrderRow::open(
            signed,
            hash,
            admitted.owner,
            admitted.remaining,
            unix_now_ms(),
        )
        .map_err(|e| MarketError::InvalidOrder(e.to_string()))?;
        // The chain was read at least as recently as the watcher's position: a reorg from there
        // on re-reads this order too.
        let read_at = self.watched_block();
        row.updated_block = i64::try_from(read_at).unwrap_or(i64::MAX);
        let published = self
            .store
            .publish(&row, authorization.hash, authorization.address, now_unix())
            .await
            .map_err(|error| challenge_or_store(error, authorization.hash))?;
        if published == Published::Inserted {
            tracing::info!(kind = %row.kind, %hash, owner = %admitted.owner, "order published");
            self.recheck_consumption(hash, volume, admitted.remaining, read_at)
                .await;
        }
        Ok(hash)
    }

    /// Reads the order's consumption again now that it is in the book: a match mined between
    /// the first read and the insert was skipped by the watcher (the order was not there yet).
    async fn recheck_consumption(&self, hash: B256, volume: U256, remaining: U256, read_at: u64) {
        let result = async {
            let consumed = chain::consumed(&self.chain, hash).await?;
            let now = volume.saturating_sub(consumed);
            if now < remaining {
                self.store.lower_remaining(hash, now, read_at).await?;
            }
            Ok::<_, MarketError>(())
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%hash, %error, "could not re-read a published order's consumption");
        }
    }

    /// Takes the orders of `kind` that `target` names off the book, for the holder of
    /// `authorization` (who must own their asset; be their requester); returns their hashes.
    pub async fn unpublish(
        &self,
        kind: OrderKind,
        target: UnpublishTarget,
        authorization: &Authorization,
    ) -> Result<Vec<B256>, MarketError> {
        let login = authorization.clone();
        let login_signer = tokio::task::spawn_blocking(move || {
            recover_prehash_signer(&login.hash, &login.signature)
        })
        .await
        .map_err(|e| MarketError::Internal(e.to_string()))?;
        self.authenticate(authorization, login_signer).await?;
        let hashes = match self.unpublish_selection(kind, target, authorization).await {
            Ok(hashes) => hashes,
            Err(error) => {
                self.spend(authorization).await;
                return Err(error);
            }
        };
        let unpublished = self
            .store
            .unpublish(
                &hashes,
                authorization.hash,
                authorization.address,
                now_unix(),
            )
            .await
            .map_err(|error| challenge_or_store(error, authorization.hash))?;
        tracing::info!(%kind, count = unpublished.len(), "orders unpublished");
        Ok(unpublished)
    }

    /// The orders `target` names, once the login is their asset's owner.
    async fn unpublish_selection(
        &self,
        kind: OrderKind,
        target: UnpublishTarget,
        authorization: &Authorization,
    ) -> Result<Vec<B256>, MarketError> {
        let selection = self.store.unpublish_selection(kind, target).await?;
        let asset = match (target, selection.first()) {
            (_, Some((_, asset))) => *asset,
            (UnpublishTarget::OrderHash(hash), None) => {
                return Err(MarketError::OrderNotFound { kind, hash });
            }
            (UnpublishTarget::All(_) | UnpublishTarget::Last(_), None) => return Ok(Vec::new()),
        };
        let identity = match kind {
            OrderKind::Request => OrderIdentity::Requester(asset),
            _ => OrderIdentity::AssetOwner(asset),
        };
        let owner = validation::owner_of(&self.chain, kind, identity).await?;
        if owner != authorization.address {
            return Err(MarketError::NotOwner {
                authorized: authorization.address,
                subject: validation::subject(kind, identity),
                owner,
            });
        }
        Ok(selection.into_iter().map(|(hash, _)| hash).collect())
    }
}

fn challenge_or_store(error: StoreError, challenge: B256) -> MarketError {
    match error {
        StoreError::ChallengeGone => MarketError::UnknownChallenge(challenge),
        error => MarketError::Store(error),
    }
}
