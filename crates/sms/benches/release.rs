//! Secret releases per second: the whole release of one task (worker signature, task, deal and
//! app read from the dev chain over JSON-RPC, enclave challenge, simulator evidence, policy,
//! report data, secrets read and decrypted, envelope sealed, audit row written) — through HTTP
//! with the client, one at a time and with requests in flight concurrently, and in-process
//! (`Sms::release`, no HTTP). SQLite store in a temporary directory.
//!
//! Run: `cargo bench -p confide-sms --bench release [-- --releases 300 --concurrency 8]`
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    missing_docs,
    unreachable_pub,
    dead_code
)]

#[path = "../tests/it/world.rs"]
mod world;

use std::sync::Arc;
use std::time::{Duration, Instant};

use confide_protocol::signature::sign_personal;
use world::World;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut releases = 300usize;
    let mut concurrency = 8usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--releases" => releases = args.next().unwrap().parse().unwrap(),
            "--concurrency" => concurrency = args.next().unwrap().parse().unwrap(),
            _ => {}
        }
    }
    let world = Arc::new(World::start(true).await);
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    let authorization = world.authorize(&task).await;
    let (session, request) = world.session(authorization);
    let request = Arc::new(request);
    // Warm up (connections, SQLite pages) and check the answer opens.
    let response = world
        .client
        .open_session(&world.roles.worker, &request)
        .await
        .unwrap();
    assert_eq!(response.open(&session).unwrap().datasets.len(), 1);

    // HTTP, one at a time.
    let mut samples = Vec::with_capacity(releases);
    let start = Instant::now();
    for _ in 0..releases {
        let one = Instant::now();
        world
            .client
            .open_session(&world.roles.worker, &request)
            .await
            .unwrap();
        samples.push(one.elapsed());
    }
    let sequential = start.elapsed();
    println!(
        "http sequential: {releases} releases, {:.0}/s, median {:.2} ms",
        per_second(releases, sequential),
        median(samples).as_secs_f64() * 1e3
    );

    // HTTP, `concurrency` in flight.
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker_index in 0..concurrency {
        let world = world.clone();
        let request = request.clone();
        let share = releases / concurrency + usize::from(worker_index < releases % concurrency);
        tasks.push(tokio::spawn(async move {
            for _ in 0..share {
                world
                    .client
                    .open_session(&world.roles.worker, &request)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let concurrent = start.elapsed();
    println!(
        "http, {concurrency} in flight: {releases} releases, {:.0}/s",
        per_second(releases, concurrent)
    );

    // In-process, one at a time.
    let signature = sign_personal(&world.roles.worker, &request.authorization.hash()).unwrap();
    let start = Instant::now();
    for _ in 0..releases {
        world
            .sms
            .release(&request, &signature, confide_sms::unix_now())
            .await
            .unwrap();
    }
    println!(
        "in-process sequential: {releases} releases, {:.0}/s",
        per_second(releases, start.elapsed())
    );
}
