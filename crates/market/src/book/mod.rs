//! The market itself: its store, its view of the chain, and what each request does.
//!
//! - [`Market::challenge`] issues a login challenge;
//! - [`Market::publish`] admits a signed order ([`validation`]) and lists it;
//! - [`Market::unpublish`] takes orders off the book (off-chain only: it does not invalidate
//!   their signatures; cancelling is `manage*Order` CLOSE on-chain);
//! - [`Market::orders`] and [`Market::order`] read the book.
//!
//! A challenge is single-use: the request that first carries a valid signature of it spends it,
//! whether it succeeds or not.

mod publish;
pub mod validation;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy_primitives::{Address, B256, hex};
use confide_protocol::Domain;
use confide_protocol::SignatureError;
use confide_protocol::order::OrderKind;
use rand::RngCore;

use crate::auth::{Authorization, ChallengeTypedData, challenge_text};
use crate::chain::{self, Chain};
use crate::error::MarketError;
use crate::model::{OrderPage, PublishedOrder};
use crate::query::OrderQuery;
use crate::store::Store;

/// How the market behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketConfig {
    /// How long a login challenge stays valid.
    pub challenge_ttl: Duration,
    /// Confirmations before the watcher applies a block's events (1: once mined).
    pub confirmations: u64,
    /// The first block the watcher reads on a fresh database (default: the chain's head then).
    pub start_block: Option<u64>,
    /// How often the watcher looks for new blocks.
    pub poll_interval: Duration,
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            challenge_ttl: Duration::from_secs(300),
            confirmations: 1,
            start_block: None,
            poll_interval: Duration::from_millis(500),
        }
    }
}

/// The order book of one deployment. See the [module documentation](self).
#[derive(Debug)]
pub struct Market {
    pub(crate) store: Store,
    pub(crate) chain: Chain,
    pub(crate) domain: Domain,
    pub(crate) config: MarketConfig,
    /// The first block whose events are not applied yet (0 until the watcher has a position).
    pub(crate) watched: AtomicU64,
}

impl Market {
    /// A market over `store`, reading `chain` (a client of the deployment it serves).
    pub fn new(store: Store, chain: Chain, config: MarketConfig) -> Self {
        let domain = chain.domain();
        Self {
            store,
            chain,
            domain,
            config,
            watched: AtomicU64::new(0),
        }
    }

    /// The chain id orders must be signed for.
    pub fn chain_id(&self) -> u64 {
        self.chain.chain_id()
    }

    /// The EIP-712 domain of orders.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The store (operators' tools, tests, benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain client.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The configuration.
    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    /// The first block whose events the book does not reflect yet (0 before the watcher
    /// started).
    pub fn watched_block(&self) -> u64 {
        self.watched.load(Ordering::Acquire)
    }

    /// Issues a login challenge to `address`, valid for [`MarketConfig::challenge_ttl`].
    pub async fn challenge(&self, address: Address) -> Result<ChallengeTypedData, MarketError> {
        if address.is_zero() {
            return Err(MarketError::InvalidQuery(
                "query parameter `address`: the zero address cannot log in".into(),
            ));
        }
        let mut value = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut value);
        let typed = ChallengeTypedData::new(self.chain_id(), challenge_text(&hex::encode(value)));
        let ttl = i64::try_from(self.config.challenge_ttl.as_secs()).unwrap_or(i64::MAX);
        self.store
            .issue_challenge(typed.hash(), address, now_unix().saturating_add(ttl))
            .await?;
        Ok(typed)
    }

    /// One page of the open orders of `kind` that `query` selects.
    pub async fn orders(
        &self,
        kind: OrderKind,
        query: &OrderQuery,
    ) -> Result<OrderPage, MarketError> {
        Ok(self.store.query(kind, query, self.chain_id()).await?)
    }

    /// The order `hash` of `kind`, whatever its status.
    pub async fn order(&self, kind: OrderKind, hash: B256) -> Result<PublishedOrder, MarketError> {
        self.store
            .order(kind, hash, self.chain_id())
            .await?
            .ok_or(MarketError::OrderNotFound { kind, hash })
    }

    /// Checks that `authorization` is a valid signature of a live challenge by its address
    /// (`recovered`: the EOA its signature recovers to; else an ERC-1271 contract may accept
    /// it).
    pub(crate) async fn authenticate(
        &self,
        authorization: &Authorization,
        recovered: Result<Address, SignatureError>,
    ) -> Result<(), MarketError> {
        let address = authorization.address;
        let signed_by_address = match recovered {
            Ok(signer) if signer == address => true,
            _ => {
                chain::is_contract(&self.chain, address).await?
                    && chain::contract_accepts(
                        &self.chain,
                        address,
                        authorization.hash,
                        &authorization.signature,
                    )
                    .await?
            }
        };
        if !signed_by_address {
            let why = match recovered {
                Ok(signer) => format!("the challenge is signed by {signer}, not {address}"),
                Err(error) => format!("the challenge signature does not verify: {error}"),
            };
            return Err(MarketError::InvalidAuthorization(why));
        }
        match self
            .store
            .challenge_expiry(authorization.hash, address)
            .await?
        {
            None => Err(MarketError::UnknownChallenge(authorization.hash)),
            Some(expiry) if expiry < now_unix() => {
                self.spend(authorization).await;
                Err(MarketError::ExpiredChallenge(authorization.hash))
            }
            Some(_) => Ok(()),
        }
    }

    /// Spends the challenge of a request that failed after its signature was checked.
    pub(crate) async fn spend(&self, authorization: &Authorization) {
        if let Err(error) = self
            .store
            .spend_challenge(authorization.hash, authorization.address)
            .await
        {
            tracing::warn!(%error, "could not spend a challenge");
        }
    }
}

/// Seconds since the UNIX epoch.
pub(crate) fn now_unix() -> i64 {
    crate::time::unix_now_ms() / 1000
}
