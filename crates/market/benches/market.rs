//! The market's throughput and latency against the dev chain (SQLite in a temporary directory,
//! or `--database URL`):
//!
//! - orders published per second, every check done (EIP-712 hash, two ecrecovers, asset owner,
//!   registration and consumption read from the chain over JSON-RPC, challenge spent and order
//!   inserted in one transaction): through HTTP with the client (challenge + publish, one at a
//!   time and `--concurrency` in flight) and in-process (`Market::challenge` +
//!   `Market::publish`, no HTTP);
//! - query latency (median, p90) with `--book` orders in the book (inserted directly through the
//!   store for the set-up): a DataProtector `getGrantedAccess` lookup, the best-priced page of
//!   the whole book (counted), a non-strict restriction filter with a price bound, a deep page of
//!   one dataset's orders with a tag filter; in-process and through HTTP.
//!
//! Run: `cargo bench -p confide-market --bench market [-- --orders 400 --concurrency 16
//! --book 100000 --queries 200 --database postgres://… | --postgres]` (`--postgres`: a
//! throw-away PostgreSQL server on 127.0.0.1, as the tests start it).
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    missing_docs,
    unreachable_pub,
    dead_code,
    unused_macros,
    unused_imports
)]

#[path = "../tests/it/world.rs"]
mod world;

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use confide_chain::scenario::Terms;
use confide_market::store::OrderRow;
use confide_market::{MarketConfig, OrderQuery};
use confide_protocol::order::{AppOrder, DatasetOrder, Order, OrderKind};
use confide_protocol::tag::TagBit;
use confide_protocol::{SignedOrder, Tag};
use futures_util::{StreamExt, stream};
use world::World;

struct Args {
    orders: usize,
    concurrency: usize,
    book: usize,
    queries: usize,
    database: Option<String>,
    postgres: bool,
    analyze: bool,
}

fn args() -> Args {
    let mut parsed = Args {
        orders: 400,
        concurrency: 16,
        book: 100_000,
        queries: 200,
        database: None,
        postgres: false,
        analyze: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap();
        match arg.as_str() {
            "--orders" => parsed.orders = value().parse().unwrap(),
            "--concurrency" => parsed.concurrency = value().parse().unwrap(),
            "--book" => parsed.book = value().parse().unwrap(),
            "--queries" => parsed.queries = value().parse().unwrap(),
            "--database" => parsed.database = Some(value()),
            "--postgres" => parsed.postgres = true,
            "--no-analyze" => parsed.analyze = false,
            _ => {}
        }
    }
    parsed
}

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * fraction).round() as usize;
    samples[index]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();
    let database = match (&args.database, args.postgres) {
        (Some(url), _) => url.clone(),
        (None, true) => confide_db::testing::postgres_database()
            .await
            .expect("no PostgreSQL server (scripts/postgres)"),
        (None, false) => format!("sqlite://{}/market.db", dir.path().display()),
    };
    let shown = database
        .split('@')
        .next_back()
        .unwrap_or_default()
        .to_owned();
    println!("database: {shown}");
    let world = Arc::new(
        World::start_with(
            &database,
            MarketConfig {
                poll_interval: Duration::from_millis(100),
                ..MarketConfig::default()
            },
        )
        .await,
    );
    let draft = world.draft(&Terms::tee());
    let developer = world.roles.app_developer.clone();
    // Signed in advance: publishing is measured, signing orders is not.
    let signed: Vec<SignedOrder<AppOrder>> = (0..args.orders * 4)
        .map(|n| {
            world.sign(
                AppOrder {
                    salt: keccak256((n as u64).to_be_bytes()),
                    ..draft.app.clone()
                },
                &developer,
            )
        })
        .collect();
    let mut batches = signed.chunks(args.orders);
    world
        .client
        .publish(&developer, &world.sign(draft.app.clone(), &developer))
        .await
        .unwrap();

    // HTTP, one at a time.
    let batch = batches.next().unwrap();
    let mut samples = Vec::with_capacity(batch.len());
    let start = Instant::now();
    for order in batch {
        let one = Instant::now();
        world.client.publish(&developer, order).await.unwrap();
        samples.push(one.elapsed());
    }
    let elapsed = start.elapsed();
    println!(
        "publish, http, sequential: {} orders, {:.0}/s, median {:.2} ms",
        batch.len(),
        per_second(batch.len(), elapsed),
        ms(percentile(&mut samples, 0.5))
    );

    // HTTP, `concurrency` in flight.
    let batch = batches.next().unwrap();
    let start = Instant::now();
    let client = &world.client;
    let developer_ref = &developer;
    stream::iter(batch)
        .map(|order| async move { client.publish(developer_ref, order).await.unwrap() })
        .buffer_unordered(args.concurrency)
        .collect::<Vec<_>>()
        .await;
    let elapsed = start.elapsed();
    println!(
        "publish, http, {} in flight: {} orders, {:.0}/s",
        args.concurrency,
        batch.len(),
        per_second(batch.len(), elapsed)
    );

    // In-process, one at a time and concurrently.
    let market = world.market.clone();
    let in_process = |order: SignedOrder<AppOrder>| {
        let market = market.clone();
        let developer = developer.clone();
        async move {
            let challenge = market.challenge(developer.address()).await.unwrap();
            let login = challenge.sign(&developer, developer.address()).unwrap();
            let order = SignedOrder {
                order: Order::App(order.order),
                sign: order.sign,
            };
            market.publish(order, &login).await.unwrap()
        }
    };
    let batch = batches.next().unwrap();
    let start = Instant::now();
    for order in batch {
        in_process(order.clone()).await;
    }
    let elapsed = start.elapsed();
    println!(
        "publish, in-process, sequential: {} orders, {:.0}/s",
        batch.len(),
        per_second(batch.len(), elapsed)
    );
    let batch = batches.next().unwrap();
    let start = Instant::now();
    stream::iter(batch.iter().cloned())
        .map(in_process)
        .buffer_unordered(args.concurrency)
        .collect::<Vec<_>>()
        .await;
    let elapsed = start.elapsed();
    println!(
        "publish, in-process, {} in flight: {} orders, {:.0}/s",
        args.concurrency,
        batch.len(),
        per_second(batch.len(), elapsed)
    );

    // The book: `book` dataset orders over 1 000 datasets, restricted to one of 100 apps or to
    // none, to one of 50 requesters or to none, priced 0..10 000 nRLC, half of them TEE.
    let datasets: Vec<Address> = (0..1000u64)
        .map(|n| Address::from_word(keccak256(format!("dataset {n}").as_bytes())))
        .collect();
    let apps: Vec<Address> = (0..100u64)
        .map(|n| Address::from_word(keccak256(format!("app {n}").as_bytes())))
        .collect();
    let requesters: Vec<Address> = (0..50u64)
        .map(|n| Address::from_word(keccak256(format!("requester {n}").as_bytes())))
        .collect();
    let owner = world.roles.data_owner.address();
    let tee = Tag::from_bits(&[TagBit::Tee]);
    let start = Instant::now();
    let now_ms = 1_700_000_000_000i64;
    let rows: Vec<OrderRow> = (0..args.book as u64)
        .map(|n| {
            let mix = keccak256(n.to_be_bytes());
            let pick = |byte: usize, modulo: usize| usize::from(mix[byte]) % modulo;
            let order = DatasetOrder {
                dataset: datasets[n as usize % datasets.len()],
                datasetprice: U256::from(u64::from(u16::from_be_bytes([mix[0], mix[1]])) % 10_000),
                volume: U256::from(1 + u64::from(mix[2])),
                tag: if mix[3] % 2 == 0 { tee.0 } else { B256::ZERO },
                apprestrict: if mix[4] % 4 == 0 {
                    Address::ZERO
                } else {
                    apps[pick(5, apps.len())]
                },
                workerpoolrestrict: Address::ZERO,
                requesterrestrict: if mix[6] % 2 == 0 {
                    Address::ZERO
                } else {
                    requesters[pick(7, requesters.len())]
                },
                salt: mix,
            };
            let signed = SignedOrder {
                order: Order::Dataset(order),
                sign: Some(Bytes::from(vec![0x1b; 65])),
            };
            let remaining = signed.order.volume();
            OrderRow::open(signed, mix, owner, remaining, now_ms + n as i64).unwrap()
        })
        .collect();
    // Query values that match some orders: those of an order restricted to an app and a
    // requester.
    let sample = rows
        .iter()
        .find_map(|row| match &row.signed.order {
            Order::Dataset(o) if !o.apprestrict.is_zero() && !o.requesterrestrict.is_zero() => {
                Some(o.clone())
            }
            _ => None,
        })
        .unwrap();
    let generated = start.elapsed();
    let start = Instant::now();
    let inserted = world.market.store().insert_rows(&rows).await.unwrap();
    if args.analyze {
        world.market.store().analyze().await.unwrap();
    }
    println!(
        "book: {inserted} dataset orders generated in {:.1} s, inserted through the store (and \
         analyzed) in {:.1} s",
        generated.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    drop(rows);

    let queries: Vec<(&str, OrderQuery)> = vec![
        (
            "getGrantedAccess: dataset, app strict, requester any",
            OrderQuery {
                dataset: Some(sample.dataset),
                app: Some(sample.apprestrict),
                app_strict: true,
                ..OrderQuery::default()
            },
        ),
        (
            "processProtectedData: dataset, app and requester non-strict, maxPrice",
            OrderQuery {
                dataset: Some(sample.dataset),
                app: Some(sample.apprestrict),
                requester: Some(sample.requesterrestrict),
                max_price: Some(U256::from(5_000)),
                ..OrderQuery::default()
            },
        ),
        (
            "dataset, minTag tee, minVolume 100, page 1 of 10",
            OrderQuery {
                dataset: Some(datasets[42]),
                min_tag: Some(tee),
                min_volume: Some(U256::from(100)),
                page: 1,
                page_size: 10,
                ..OrderQuery::default()
            },
        ),
        (
            "whole book, best-priced page (counted)",
            OrderQuery::default(),
        ),
        (
            "no dataset: app and requester non-strict, maxPrice, page 2",
            OrderQuery {
                app: Some(apps[11]),
                requester: Some(requesters[5]),
                max_price: Some(U256::from(5_000)),
                page: 2,
                ..OrderQuery::default()
            },
        ),
    ];
    for (name, query) in &queries {
        for http in [false, true] {
            let mut samples = Vec::with_capacity(args.queries);
            let mut count = 0;
            for _ in 0..args.queries {
                let one = Instant::now();
                let page = if http {
                    world
                        .client
                        .orders(OrderKind::Dataset, query)
                        .await
                        .unwrap()
                } else {
                    world
                        .market
                        .orders(OrderKind::Dataset, query)
                        .await
                        .unwrap()
                };
                samples.push(one.elapsed());
                count = page.count;
            }
            println!(
                "query {} [{name}]: {count} match, median {:.2} ms, p90 {:.2} ms",
                if http { "http" } else { "in-process" },
                ms(percentile(&mut samples, 0.5)),
                ms(percentile(&mut samples, 0.9)),
            );
        }
    }
}
