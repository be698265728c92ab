//! Confide's workerpool scheduler: it runs the deals matched with its pool on the pool's
//! workers, and sees every task through to COMPLETED or FAILED.
//!
//! - [`intake`]: `SchedulerNotice` logs (with confirmations) become deals and task rows, with
//!   the watcher's checkpoint in the same transaction;
//! - [`reconciler`]: the loop that reads each unfinished task's on-chain state and drives it
//!   (batched `initializeArray`, the SMS's enclave challenge, `reopen`, `finalize`, batched
//!   `claimArray` / `initializeAndClaimArray` at the final deadline) through the state machine
//!   of [`state`]; a restart resumes from the chain and the database;
//! - [`registry`], [`assignment`], [`reports`]: workers register and send heartbeats, get
//!   replicates (TEE tasks one at a time on TEE workers; replicated tasks as the consensus
//!   [`prediction`] needs), report what they did (checked on-chain) and upload results (checked
//!   against the on-chain digest, [`result_zip`]);
//! - [`publisher`]: the workerpool order kept on sale in a market;
//! - [`api`]: the HTTP API, signed worker requests ([`auth`]), OpenAPI document;
//! - [`store`]: SQLite or PostgreSQL (`confide-db`).
//!
//! The wire model shared with workers is [`confide_protocol::workerpool`].
//!
//! ```no_run
//! # async fn demo(chain: confide_scheduler::Chain, wallet: alloy_signer_local::PrivateKeySigner,
//! #               storage: std::sync::Arc<dyn confide_storage::Storage>) -> Result<(), Box<dyn std::error::Error>> {
//! use confide_scheduler::{Scheduler, SchedulerConfig};
//! use std::sync::Arc;
//! let config = SchedulerConfig::new("0x…".parse()?, "sqlite://scheduler.db");
//! let scheduler = Arc::new(Scheduler::new(config, chain, wallet, storage).await?);
//! let tasks = scheduler.spawn();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:13600").await?;
//! let server = confide_scheduler::serve(listener, scheduler.clone()).await?;
//! // …
//! server.shutdown().await;
//! tasks.shutdown().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod api;
pub mod assignment;
mod auth;
pub mod chain;
pub mod config;
mod error;
pub mod intake;
pub mod prediction;
pub mod publisher;
pub mod reconciler;
pub mod registry;
pub mod reports;
pub mod result_zip;
mod service;
pub mod state;
pub mod store;

pub use api::{OPENAPI, SchedulerServer, router, serve};
pub use chain::Chain;
pub use config::{MarketPublishing, OrderPolicy, SchedulerConfig, Timing, ZipLimits};
pub use error::{ApiError, SchedulerError};
pub use service::{Scheduler, SchedulerTasks, unix_ms};
