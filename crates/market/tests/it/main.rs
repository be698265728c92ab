//! The market against the dev chain: a Confide dev chain on 127.0.0.1 with an app, a dataset
//! and a workerpool, and the market on 127.0.0.1; each test on SQLite and on PostgreSQL (when a
//! server is available).
#![allow(clippy::unwrap_used)]

mod book;
mod concurrency;
mod events;
mod login;
mod malformed;
mod openapi;
mod refusals;
mod reorg;
mod store;
mod world;
