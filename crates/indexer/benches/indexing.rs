//! The indexer's speed: logs indexed per second while catching up with a dev chain (every log
//! decoded, the views each needs read over JSON-RPC, rows and checkpoint written per range),
//! and the latency of protected-data queries by schema among many (rows written directly).
//!
//! Run: `cargo bench -p confide-indexer --bench indexing [-- --protected 400 --tasks 100
//! --rows 10000 --queries 200 --runs 3]`
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    missing_docs,
    unreachable_pub,
    dead_code
)]

#[path = "../tests/it/world.rs"]
mod world;

use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use confide_chain::scenario::Terms;
use confide_indexer::model::AssetKind;
use confide_indexer::query::{Paging, ProtectedDataQuery, SchemaFilter};
use confide_indexer::store::{AssetRecord, Change, LogPosition, ProtectedDataRecord};
use confide_indexer::{IndexerClient, Store};
use serde_json::{Value, json};
use world::{World, follow_config, serve_api};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

struct Args {
    protected: usize,
    tasks: usize,
    rows: usize,
    queries: usize,
    runs: usize,
}

fn args() -> Args {
    let mut parsed = Args {
        protected: 400,
        tasks: 100,
        rows: 10_000,
        queries: 200,
        runs: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap().parse::<usize>().unwrap();
        match arg.as_str() {
            "--protected" => parsed.protected = value(),
            "--tasks" => parsed.tasks = value(),
            "--rows" => parsed.rows = value(),
            "--queries" => parsed.queries = value(),
            "--runs" => parsed.runs = value(),
            _ => {}
        }
    }
    parsed
}

/// Databases to measure on: a SQLite file, and PostgreSQL when a server is found.
async fn databases(dir: &std::path::Path, name: &str) -> Vec<(&'static str, String)> {
    let mut urls = vec![("sqlite", format!("sqlite://{}/{name}.db", dir.display()))];
    if let Some(url) = confide_db::testing::postgres_database().await {
        urls.push(("postgres", url));
    }
    urls
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = args();
    catching_up(&args).await;
    schema_queries(&args).await;
}

/// Logs per second while a fresh indexer catches up with a chain of protected data and tasks.
async fn catching_up(args: &Args) {
    let world = World::start().await;
    let schemas = [
        r#"{"email":"string"}"#,
        r#"{"picture":"image/png","email":"string"}"#,
        r#"{"meta":{"age":"f64","name":"string"},"email":"string"}"#,
    ];
    let made = Instant::now();
    for i in 0..args.protected {
        world
            .protect(
                &world.roles.data_owner,
                &format!("bench {i}"),
                schemas[i % 3],
            )
            .await;
    }
    let assets = world.assets().await;
    // Cheap tasks: the requester's deposit pays for all of them.
    let terms = Terms {
        volume: U256::from(args.tasks as u64),
        app_price: U256::from(1_000),
        dataset_price: U256::from(1_000),
        workerpool_price: U256::from(1_000),
        ..Terms::tee()
    };
    let deal = world.deal(&assets, &terms, &world.roles.requester).await;
    for index in 0..args.tasks as u64 {
        let task = world.initialize(deal, index).await;
        world.contribute_and_finalize(task).await;
    }
    let head = world.chain.block_number().await.unwrap();
    println!(
        "chain: {} protected data, {} TEE tasks, {head} blocks, made in {:.1} s",
        args.protected,
        args.tasks,
        made.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().unwrap();
    for run in 0..args.runs {
        for (backend, url) in databases(dir.path(), &format!("catch-up-{run}")).await {
            let follower = world.follower(&url, follow_config()).await;
            let start = Instant::now();
            let logs = follower.start().await.unwrap().catch_up().await.unwrap();
            let elapsed = start.elapsed();
            println!(
                "catch-up on {backend}: {logs} logs in {:.2} s = {:.0} logs/s",
                elapsed.as_secs_f64(),
                logs as f64 / elapsed.as_secs_f64()
            );
        }
    }
}

const TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/gif"];

/// The `path:type` entries of synthetic protected data `i`: every other has an email, each a
/// picture of one of three types, a few nested keys, and one of 50 rare keys.
fn entries(i: usize) -> Vec<String> {
    let mut entries = Vec::new();
    if i.is_multiple_of(2) {
        entries.push("email:string".to_owned());
    }
    entries.push(format!("picture:{}", TYPES[i % 3]));
    if i.is_multiple_of(5) {
        entries.push("meta.age:f64".to_owned());
        entries.push("meta.name:string".to_owned());
    }
    entries.push(format!("k{}:i128", i % 50));
    entries
}

/// `rows` protected data written directly, in transactions of 1000.
async fn fill(store: &Store, rows: usize) {
    store
        .bind(31_337, Address::repeat_byte(0xc0), 0)
        .await
        .unwrap();
    let owners = [Address::repeat_byte(1), Address::repeat_byte(2)];
    let mut changes = Vec::new();
    for i in 0..rows {
        let address = Address::from_word(keccak256(i.to_be_bytes()));
        let at = LogPosition {
            block_number: i as u64 + 1,
            log_index: 0,
            tx_hash: keccak256(address),
            timestamp: 1_700_000_000 + i as u64,
        };
        changes.push(Change::Asset {
            at,
            asset: AssetRecord {
                address,
                kind: AssetKind::Dataset,
                name: format!("data {i}"),
                app_type: None,
                multiaddr: Some(Bytes::from_static(b"https://example.com/data")),
                checksum: Some(B256::repeat_byte(7)),
                mrenclave: None,
            },
        });
        changes.push(Change::Owner {
            at,
            asset: address,
            previous: None,
            owner: owners[i % 2],
        });
        let entries = entries(i);
        changes.push(Change::ProtectedData {
            at: LogPosition { log_index: 1, ..at },
            record: ProtectedDataRecord {
                address,
                json_schema: "{}".into(),
                entries,
            },
        });
        if changes.len() >= 3_000 {
            let checkpoint = store.checkpoint().await.unwrap();
            store.apply(&changes, &checkpoint).await.unwrap();
            changes.clear();
        }
    }
    let checkpoint = store.checkpoint().await.unwrap();
    store.apply(&changes, &checkpoint).await.unwrap();
}

/// Median latency of protected-data queries by schema among `rows`, in-process and over HTTP.
async fn schema_queries(args: &Args) {
    let dir = tempfile::tempdir().unwrap();
    let queries: Vec<(&str, Value, Option<Address>, u64)> = vec![
        (
            "common {email}, 100/page",
            json!({"email": "string"}),
            None,
            100,
        ),
        (
            "common {email}, 1000/page",
            json!({"email": "string"}),
            None,
            1000,
        ),
        (
            "{email} AND picture png|jpeg",
            json!({"email": "string", "picture": ["image/png", "image/jpeg"]}),
            None,
            100,
        ),
        (
            "nested {meta.age}",
            json!({"meta": {"age": "f64"}}),
            None,
            100,
        ),
        ("rare {k17} (2%)", json!({"k17": "i128"}), None, 100),
        (
            "owner + {k17} + {email}",
            json!({"k17": "i128", "email": "string"}),
            Some(Address::repeat_byte(1)),
            100,
        ),
        ("absent type", json!({"email": "bool"}), None, 100),
    ];
    for (backend, url) in databases(dir.path(), "queries").await {
        let store = Store::open(&url).await.unwrap();
        let filled = Instant::now();
        fill(&store, args.rows).await;
        // As the follower does once caught up.
        store.analyze().await.unwrap();
        println!(
            "{backend}: {} protected data written directly in {:.2} s ({:.0}/s)",
            args.rows,
            filled.elapsed().as_secs_f64(),
            args.rows as f64 / filled.elapsed().as_secs_f64()
        );
        let world = World::start().await;
        let follower = world.follower(&url, follow_config()).await;
        let (_server, client) = serve_api(&follower).await;
        for (label, schema, owner, page_size) in &queries {
            let filter = SchemaFilter::from_required_schema(schema).unwrap();
            let paging = Paging {
                page: 0,
                page_size: *page_size,
            };
            let mut found = 0;
            let mut in_process = Vec::with_capacity(args.queries);
            for _ in 0..args.queries {
                let start = Instant::now();
                let page = store
                    .protected_data(*owner, &filter, None, paging)
                    .await
                    .unwrap();
                in_process.push(start.elapsed());
                found = page.items.len();
            }
            let over_http = http_latency(&client, schema, *owner, *page_size, args.queries).await;
            println!(
                "{backend}: {label}: {found} items, median {:.2} ms in-process, {:.2} ms over HTTP",
                median(in_process).as_secs_f64() * 1e3,
                over_http.as_secs_f64() * 1e3
            );
        }
    }
}

async fn http_latency(
    client: &IndexerClient,
    schema: &Value,
    owner: Option<Address>,
    page_size: u64,
    queries: usize,
) -> Duration {
    let query = ProtectedDataQuery {
        owner,
        required_schema: Some(schema.clone()),
        page_size: Some(page_size),
        ..ProtectedDataQuery::default()
    };
    let mut samples = Vec::with_capacity(queries);
    for _ in 0..queries {
        let start = Instant::now();
        client.protected_data(&query).await.unwrap();
        samples.push(start.elapsed());
    }
    median(samples)
}
