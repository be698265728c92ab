//! What an operator configures: the pool, its services, timings, and the order it sells.

use alloy_primitives::{Address, U256};
use confide_protocol::Tag;
use std::time::Duration;

/// How the scheduler behaves. (`Debug` hides the database password.)
#[derive(Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// The workerpool managed (its on-chain owner must be the scheduler's wallet).
    pub workerpool: Address,
    /// The database: `sqlite://<path>`, `sqlite::memory:` or `postgres://…`. One scheduler per
    /// database.
    pub database_url: String,
    /// The SMS holding TEE tasks' secrets and enclave challenges (no SMS: TEE deals are
    /// skipped).
    pub sms_url: Option<String>,
    /// Confirmations before a `SchedulerNotice` is acted on (1: once mined).
    pub confirmations: u64,
    /// The first block watched on a fresh database (default: the chain's head then).
    pub start_block: Option<u64>,
    /// Loop periods and timeouts.
    pub timing: Timing,
    /// Largest result zip accepted from a worker.
    pub max_result_bytes: usize,
    /// Limits applied while reading a result zip.
    pub zip_limits: ZipLimits,
    /// Most tasks per `initializeArray` / `claimArray` transaction.
    pub max_batch: usize,
    /// Workerpool orders published to a market, when set.
    pub market: Option<MarketPublishing>,
}

impl SchedulerConfig {
    /// The defaults for `workerpool` on the database at `database_url`.
    pub fn new(workerpool: Address, database_url: impl Into<String>) -> Self {
        Self {
            workerpool,
            database_url: database_url.into(),
            sms_url: None,
            confirmations: 1,
            start_block: None,
            timing: Timing::default(),
            max_result_bytes: 64 << 20,
            zip_limits: ZipLimits::default(),
            max_batch: 100,
            market: None,
        }
    }
}

impl std::fmt::Debug for SchedulerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerConfig")
            .field("workerpool", &self.workerpool)
            .field("database_url", &redact_password(&self.database_url))
            .field("sms_url", &self.sms_url)
            .field("confirmations", &self.confirmations)
            .field("start_block", &self.start_block)
            .field("timing", &self.timing)
            .field("max_result_bytes", &self.max_result_bytes)
            .field("zip_limits", &self.zip_limits)
            .field("max_batch", &self.max_batch)
            .field("market", &self.market)
            .finish()
    }
}

/// `scheme://user:password@host…` with the password replaced by `***`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Loop periods and timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// How often workers are asked to send a heartbeat.
    pub heartbeat_interval: Duration,
    /// A worker silent for longer is lost: its replicates not contributed yet go to others.
    pub worker_timeout: Duration,
    /// How often the reconciler, the deal watcher and the order publisher look at the chain.
    pub poll_interval: Duration,
    /// The longest wait before retrying after a failure (node, database, SMS down).
    pub max_backoff: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(10),
            worker_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_secs(2),
            max_backoff: Duration::from_secs(30),
        }
    }
}

pub use confide_crypto::archive::ZipLimits;

/// Where and what the scheduler sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketPublishing {
    /// The market's URL.
    pub url: String,
    /// The order's terms.
    pub policy: OrderPolicy,
}

/// The workerpool order kept on sale: republished when consumed, closed or gone from the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPolicy {
    /// Price per task, nRLC.
    pub price: U256,
    /// Tasks per order.
    pub volume: U256,
    /// What the pool offers (TEE, frameworks, GPU).
    pub tag: Tag,
    /// The largest trust the pool accepts.
    pub trust: U256,
    /// The category (time class).
    pub category: U256,
}

impl Default for OrderPolicy {
    /// 1 RLC per task, 100 tasks, no tag, trust 0, category 0.
    fn default() -> Self {
        Self {
            price: U256::from(1_000_000_000u64),
            volume: U256::from(100),
            tag: Tag::NONE,
            trust: U256::ZERO,
            category: U256::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_password_stays_out_of_debug_output() {
        let config =
            SchedulerConfig::new(Address::ZERO, "postgres://pool:s3cret@db:5432/scheduler");
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(
            debug.contains("postgres://pool:***@db:5432/scheduler"),
            "{debug}"
        );
        assert_eq!(redact_password("sqlite://a.db"), "sqlite://a.db");
    }
}
