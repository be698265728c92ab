//! Integration tests of confide-tee: DCAP quote verification against recorded collateral
//! (fixtures from dcap-qvl's sample data, see `tests/fixtures/README.md`), the collateral
//! cache, tampered copies, and configfs-tsm quote generation against a directory that plays
//! the kernel.
#![allow(clippy::unwrap_used)]
#![cfg(feature = "tdx")]

mod cache;
mod tamper;
mod tsm;
mod verify;

use std::path::{Path, PathBuf};

use confide_tee::dcap::Collateral;

/// 2025-06-19T10:32:27Z: the TDX collateral's QE identity issue date, the latest issue date
/// among its parts (its TCB info was issued 16 minutes earlier).
pub(crate) const TDX_NOW: u64 = 1_750_329_147;
/// 2025-06-19T10:56:11Z: the SGX collateral's TCB info issue date.
pub(crate) const SGX_NOW: u64 = 1_750_330_571;
/// 2026-02-18T10:58:51Z: the outdated TDX collateral's TCB info issue date.
pub(crate) const OUTDATED_NOW: u64 = 1_771_412_331;

pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub(crate) fn quote(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap()
}

pub(crate) fn collateral(quote_name: &str) -> Collateral {
    Collateral::from_file(&fixtures_dir().join(format!("{quote_name}_collateral.json"))).unwrap()
}

pub(crate) fn tappd_quote() -> Vec<u8> {
    let text = std::fs::read_to_string(fixtures_dir().join("quote-from-tappd.hex")).unwrap();
    alloy_primitives::hex::decode(text.trim()).unwrap()
}
