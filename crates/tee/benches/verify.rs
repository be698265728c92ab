//! DCAP quote verifications per second on the TDX and SGX fixtures (full verification: chains,
//! CRLs, TCB info, QE identity, QE report, quote signature, TCB level), single-threaded, with
//! the collateral taken from the cache as a verifier in service does. Also the cost of a
//! refusal (a flipped report data byte), which runs the verifier's own diagnosis on top.
//! Medians of batches.
//!
//! Run: `cargo bench -p confide-tee --bench verify [-- --batches 15 --batch 50]`
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    missing_docs,
    unreachable_pub
)]

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use confide_tee::dcap::{CollateralCache, DcapVerifier};

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// Inside both fixtures' collateral windows (2025-06-19T10:56:11Z).
const NOW: u64 = 1_750_330_571;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> BenchResult<()> {
    let mut batches = 15usize;
    let mut batch = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--batches" => batches = args.next().ok_or("--batches needs a value")?.parse()?,
            "--batch" => batch = args.next().ok_or("--batch needs a value")?.parse()?,
            _ => {}
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cache = Arc::new(CollateralCache::new());
    cache.load_dir(&fixtures)?;
    let verifier = DcapVerifier::new(cache);
    let tdx = std::fs::read(fixtures.join("tdx_quote"))?;
    let sgx = std::fs::read(fixtures.join("sgx_quote"))?;
    let mut tampered = tdx.clone();
    // A byte of the TD report's report data.
    tampered[48 + 520] ^= 1;

    println!("quote verifications, {batches} batches of {batch}, medians per verification:");
    for (name, quote, valid) in [
        ("tdx", &tdx, true),
        ("sgx", &sgx, true),
        ("tdx, refused", &tampered, false),
    ] {
        assert_eq!(verifier.verify_quote(quote, NOW).is_ok(), valid, "{name}");
        let mut samples = Vec::with_capacity(batches);
        for _ in 0..batches.max(1) {
            let started = Instant::now();
            for _ in 0..batch.max(1) {
                std::hint::black_box(verifier.verify_quote(std::hint::black_box(quote), NOW)).ok();
            }
            samples.push(started.elapsed() / u32::try_from(batch.max(1))?);
        }
        let per = median(samples);
        println!(
            "  {name:<13} {:>8.1} µs  {:>7.0} verifications/s",
            per.as_secs_f64() * 1e6,
            1.0 / per.as_secs_f64()
        );
    }
    Ok(())
}
