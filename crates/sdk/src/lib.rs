//! Confide's SDK: what a data owner, a requester and an app developer do, over the services of
//! a network (chain, storage, SMS, market, indexer).
#![forbid(unsafe_code)]

pub mod network;

pub use network::{Network, NetworkError};
