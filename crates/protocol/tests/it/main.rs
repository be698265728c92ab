//! Integration tests of confide-protocol against independent vectors (scripts/vectors/orders.mjs).
#![allow(clippy::unwrap_used)]

mod formulas;
mod orders;
mod params;
mod vectors;
