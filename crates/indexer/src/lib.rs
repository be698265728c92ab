//! Confide's indexer (DESIGN.md §3): follows the protocol's events with confirmations into a
//! database and serves what they add up to over a REST API.
//!
//! - [`follow`]: one event watcher over the protocol, the registries and DataProtector;
//!   each confirmed range is applied with the watcher's checkpoint in one transaction (a
//!   restart resumes with no gap and no duplicate), a reorg retracts the dropped blocks' rows.
//! - [`store`]: append-only rows keyed by (block, log index) in SQLite or PostgreSQL; current
//!   owners, statuses and balances are the latest rows of their histories.
//! - [`api`]: protected data as DataProtector's subgraph answers `getProtectedData` (owner,
//!   required schema with type alternatives, created after, pages), assets, deals, tasks with
//!   their status history, escrow accounts, status; `openapi.json`.
//! - [`client`]: [`IndexerClient`], one method per operation.
#![forbid(unsafe_code)]

pub mod api;
pub mod client;
mod error;
pub mod follow;
pub mod model;
pub mod query;
pub mod store;

pub use api::{Indexer, IndexerServer, OPENAPI, router, serve};
pub use client::{IndexerClient, IndexerClientError};
pub use error::{ApiError, IndexerError};
pub use follow::{FollowConfig, Follower, Following, Progress, Step};
pub use store::{Store, StoreError};
