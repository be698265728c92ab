//! Confide's market: the order book of PoCo orders, with the REST shape of iExec's market API
//! (poco.md §6, devtools.md §1.6–1.7).
//!
//! - **Publication** ([`book`]): a signed app, dataset, workerpool or request order enters the
//!   book only when the chain says it may be matched: its asset is registered, it is signed
//!   (EIP-712, ERC-1271 or presigned) by the asset's current owner (the requester for a request
//!   order), and it has volume left. The publisher proves who they are by signing a single-use
//!   challenge ([`auth`]) and must be that owner.
//! - **Remaining volumes** ([`watcher`]): `OrdersMatched` and `Closed*Order` events and registry
//!   transfers, read with confirmations, update the book in the same database transaction as the
//!   watcher's checkpoint; a restart resumes where it stopped, a reorg re-reads what it touched.
//! - **Queries** ([`query`]): filters on assets and restrictions (strict or not), tags, prices,
//!   volumes, category and trust, best price first, paged.
//! - **Storage** ([`store`]): SQLite by default, PostgreSQL by URL (`confide-db`).
//! - **HTTP** ([`api`], documented by `openapi.json`) and its client ([`client`]).
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod book;
pub mod chain;
pub mod client;
mod error;
pub mod model;
pub mod query;
pub mod store;
mod time;
pub mod watcher;

pub use api::{MarketServer, OPENAPI, router, serve};
pub use book::{Market, MarketConfig};
pub use client::{MarketClient, MarketClientError};
pub use error::MarketError;
pub use model::{OrderPage, OrderStatus, PublishedOrder, UnpublishTarget};
pub use query::OrderQuery;
