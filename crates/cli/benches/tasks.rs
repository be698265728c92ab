//! End-to-end TEE task throughput and latency on this machine, every service a real `confide`
//! process on loopback (dev chain, storage, SMS, market, indexer, scheduler, workers), the
//! hello-world iApp on protected data, results encrypted for the requester:
//!
//! - throughput: one deal of `TASKS` tasks (default 100) run by `WORKERS` workers (default 2,
//!   each running `CAPACITY` tasks at once, default 2), from the match to the last task
//!   COMPLETED on-chain;
//! - latency: `SAMPLES` single-task deals (default 7) one after the other, each from the
//!   request (orders read from the market, signed, matched) to the result decrypted by the
//!   requester; the median is reported.
//!
//! The scheduler looks at the chain every `POLL_MS` milliseconds (default 2000, its own
//! default); the dev chain mines at once, so shorter polls cut the latency.
//!
//! `cargo bench -p confide-cli --bench tasks` (environment variables override the defaults).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

// Shared with the end-to-end tests; not every helper is used here.
#[allow(dead_code)]
#[path = "../tests/it/e2e/flow.rs"]
mod flow;
#[allow(dead_code)]
#[path = "../tests/it/e2e/stack.rs"]
mod stack;

use std::path::Path;
use std::time::{Duration, Instant};

use flow::{Actors, FIRST_WORKER, runtime};
use stack::Stack;

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo test --benches` runs bench binaries with `--bench` absent: nothing to measure.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let (tasks, workers, capacity, samples) = (
        setting("TASKS", 100),
        setting("WORKERS", 2),
        setting("CAPACITY", 2),
        setting("SAMPLES", 7),
    );
    let poll = setting("POLL_MS", 2000).to_string();
    let wasm = confide_worker::testing::hello_app().expect("the wasm32-wasip1 target is needed");
    let mut stack = Stack::start();
    runtime().block_on(async {
        let actors = Actors::connect(&stack).await;
        let offer = actors
            .tee_offer(&mut stack, wasm, &["--volume", "1000", "--poll-interval-ms", &poll])
            .await;
        let capacity = capacity.to_string();
        for worker in 0..workers {
            stack.start_worker(
                (FIRST_WORKER as u64 + worker) as u32,
                &["--capacity", &capacity],
            );
        }
        // Each task costs the requester 4 RLC (app 1, dataset 2, workerpool 1).
        actors
            .deposit(flow::REQUESTER, (tasks + workers + samples) * 4 * flow::RLC)
            .await;
        // Warm-up: every worker compiles the app once.
        let deal = actors.request_tee(&offer, workers, "").await;
        actors.wait_for_deal(deal, Duration::from_secs(300)).await;

        let start = Instant::now();
        let deal = actors.request_tee(&offer, tasks, "").await;
        let ids = actors.wait_for_deal(deal, Duration::from_secs(1800)).await;
        let elapsed = start.elapsed();
        for id in &ids {
            assert_eq!(actors.read_result(*id, &offer.key).await, "Hello, Alice!\n");
        }
        println!(
            "throughput: {tasks} TEE tasks in {:.1} s = {:.2} tasks/s ({workers} workers × {capacity})",
            elapsed.as_secs_f64(),
            tasks as f64 / elapsed.as_secs_f64()
        );

        let mut latencies = Vec::new();
        for _ in 0..samples {
            let start = Instant::now();
            let deal = actors.request_tee(&offer, 1, "").await;
            let ids = actors.wait_for_deal(deal, Duration::from_secs(300)).await;
            assert_eq!(actors.read_result(ids[0], &offer.key).await, "Hello, Alice!\n");
            latencies.push(start.elapsed());
        }
        latencies.sort();
        let median = latencies[latencies.len() / 2];
        println!(
            "latency: request → decrypted result, median of {samples}: {:.2} s (min {:.2} s, max {:.2} s)",
            median.as_secs_f64(),
            latencies[0].as_secs_f64(),
            latencies[latencies.len() - 1].as_secs_f64()
        );
    });
}
