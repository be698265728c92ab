//! The whole system as processes on loopback: dev chain, storage, SMS, market, indexer, a
//! scheduler and workers. A data owner protects and grants data, an app developer publishes an
//! iApp, a requester buys tasks from the market's orders; workers run them and the requester
//! decrypts the results. Funds are checked to be conserved and nothing left locked.

mod failures;
mod flow;
mod replicated;
mod sdk;
pub(crate) mod stack;
mod tee;
