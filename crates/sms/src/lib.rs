//! Confide's Secret Management Service (devtools.md §3, DESIGN.md §6).
#![forbid(unsafe_code)]
pub mod store;
