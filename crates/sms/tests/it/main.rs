//! confide-sms's integration tests.
#![allow(clippy::unwrap_used)]

mod store;
