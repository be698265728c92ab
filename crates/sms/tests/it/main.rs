//! The SMS against the dev chain: a Confide dev chain on 127.0.0.1, an SMS on 127.0.0.1 with a
//! SQLite store, and the simulator as the enclave; the store on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod openapi;
mod release;
mod secrets;
mod store;
mod world;
