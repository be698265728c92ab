//! The scheduler against a dev chain on 127.0.0.1, a real SMS in dev mode, a local result store,
//! and workers simulated at the protocol level; the scheduler's database on SQLite and, where it
//! matters, PostgreSQL.
#![allow(clippy::unwrap_used)]

mod failures;
mod liveness;
mod openapi;
mod orders;
mod refusals;
mod replicated;
mod restart;
mod tee;
mod world;
