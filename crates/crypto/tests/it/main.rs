//! Integration tests of confide-crypto (one test binary, one module per format).
#![allow(clippy::unwrap_used)]

mod keystore;
mod protected_data;
mod result;
mod seal;
