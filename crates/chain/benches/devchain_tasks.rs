//! Complete TEE tasks per second mined by the dev chain. A task is `matchOrders` +
//! `initialize` + `contributeAndFinalize`, three EIP-1559 transactions signed with the dev
//! accounts' keys, submitted as raw bytes and automined (a block each), the journal fsynced
//! (the default), then again with `sync` off.
//!
//! Two paths: `direct` calls [`DevChain::send_raw_transaction`] and reads the receipt in
//! process; `rpc` goes through the whole stack, the JSON-RPC server on 127.0.0.1 and one
//! keep-alive HTTP/1.1 connection (`eth_sendRawTransaction` then `eth_getTransactionReceipt`
//! per transaction).
//!
//! Run: `cargo bench -p confide-chain --bench devchain_tasks [-- --tasks N --runs N --no-rpc]`
//! (or `CONFIDE_BENCH_TASKS`, `CONFIDE_BENCH_RUNS`; `CONFIDE_BENCH_DIR` chooses where the
//! chains' data directories go, the system temporary directory by default).
//!
//! Each run opens a fresh chain in a new data directory with the default configuration, then,
//! untimed, registers the assets and deposits (signed transactions, see
//! [`TeeWorkload::setup`]) and builds the signed transactions of every task: the orders, the
//! worker authorization and enclave signature, and the transactions themselves are the
//! requester's, owners' and workers' off-chain work, measured apart (`build`). Timed: submitting
//! the tasks' transactions one after the other, each receipt checked for status 1. After the
//! timing, every task must be COMPLETED (`viewTask`) or the bench fails.
#![allow(clippy::print_stdout, missing_docs)]

use confide_chain::devchain::rpc::{RpcConfig, serve};
use confide_chain::devchain::workload::{RawTransaction, TaskTransactions, TeeWorkload};
use confide_chain::devchain::{DevChain, DevChainConfig};
use serde_json::{Value, json};
use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug)]
struct Options {
    tasks: u64,
    runs: usize,
    dir: Option<PathBuf>,
    rpc: bool,
}

impl Options {
    /// Environment variables, then `--tasks N` / `--runs N` arguments (others, such as the
    /// `--bench` cargo passes, are ignored).
    fn parse() -> BenchResult<Self> {
        let env = |name: &str| std::env::var(name).ok();
        let mut tasks = env("CONFIDE_BENCH_TASKS").unwrap_or_else(|| "200".into());
        let mut runs = env("CONFIDE_BENCH_RUNS").unwrap_or_else(|| "5".into());
        let mut rpc = true;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--tasks" => tasks = args.next().ok_or("--tasks needs a value")?,
                "--runs" => runs = args.next().ok_or("--runs needs a value")?,
                "--no-rpc" => rpc = false,
                _ => {}
            }
        }
        let options = Self {
            tasks: tasks.parse().map_err(|e| format!("tasks {tasks:?}: {e}"))?,
            runs: runs.parse().map_err(|e| format!("runs {runs:?}: {e}"))?,
            dir: env("CONFIDE_BENCH_DIR").map(PathBuf::from),
            rpc,
        };
        if options.tasks == 0 || options.runs == 0 {
            return Err("tasks and runs must be at least 1".into());
        }
        Ok(options)
    }

    fn data_dir(&self) -> BenchResult<tempfile::TempDir> {
        Ok(match &self.dir {
            Some(parent) => tempfile::tempdir_in(parent)?,
            None => tempfile::tempdir()?,
        })
    }
}

/// One run: K tasks on a fresh chain.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Building (signing) the tasks' transactions.
    build: Duration,
    /// Submitting and mining them.
    mine: Duration,
    /// Blocks mined while submitting.
    blocks: u64,
    /// Journal bytes written while submitting.
    journal_bytes: u64,
    /// The round trip of a trivial request (`eth_blockNumber`) on the rpc path, for scale.
    round_trip: Option<Duration>,
}

/// How transactions reach the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// `DevChain::send_raw_transaction` in process.
    Direct,
    /// The JSON-RPC server over HTTP.
    Rpc,
}

/// A fresh chain, set up, with the tasks' transactions built.
struct Prepared {
    _dir: tempfile::TempDir,
    chain: DevChain,
    workload: TeeWorkload,
    tasks: Vec<TaskTransactions>,
    build: Duration,
}

fn prepare(options: &Options, sync: bool) -> BenchResult<Prepared> {
    let dir = options.data_dir()?;
    let config = DevChainConfig {
        sync,
        ..DevChainConfig::default()
    };
    let mut chain = DevChain::open(dir.path(), config)?;
    let mut workload = TeeWorkload::setup(&mut chain, options.tasks)?;
    let started = Instant::now();
    let tasks = workload.build_tasks(options.tasks)?;
    let build = started.elapsed();
    Ok(Prepared {
        _dir: dir,
        chain,
        workload,
        tasks,
        build,
    })
}

fn run_once(options: &Options, sync: bool, path: Path) -> BenchResult<Run> {
    let Prepared {
        _dir,
        chain,
        workload,
        tasks,
        build,
    } = prepare(options, sync)?;
    let (first_block, journal_before) = (chain.block_number(), chain.journal_len());
    let (chain, mine, round_trip) = match path {
        Path::Direct => submit_direct(chain, &tasks)?,
        Path::Rpc => submit_rpc(chain, &tasks)?,
    };
    let blocks = chain.block_number() - first_block;
    let journal_bytes = chain.journal_len() - journal_before;

    for task in &tasks {
        workload.check_completed(&chain, task.task)?;
    }
    let expected_blocks = 3 * options.tasks;
    if blocks != expected_blocks {
        return Err(format!("{blocks} blocks mined, expected {expected_blocks}").into());
    }
    Ok(Run {
        build,
        mine,
        blocks,
        journal_bytes,
        round_trip,
    })
}

/// What a submission path gives back: the chain, the time taken and, over rpc, the round trip
/// of a trivial request.
type Submitted = (DevChain, Duration, Option<Duration>);

/// Submits every task in process.
fn submit_direct(mut chain: DevChain, tasks: &[TaskTransactions]) -> BenchResult<Submitted> {
    let started = Instant::now();
    for task in tasks {
        task.submit(&mut chain)?;
    }
    Ok((chain, started.elapsed(), None))
}

/// Round trips measured before the tasks.
const ROUND_TRIPS: u32 = 500;

/// Serves `chain` on 127.0.0.1 and submits every task over one HTTP connection (the server
/// stopped before the chain is returned).
fn submit_rpc(chain: DevChain, tasks: &[TaskTransactions]) -> BenchResult<Submitted> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let shared = Arc::new(Mutex::new(chain));
    let server = runtime.block_on(serve(
        shared.clone(),
        RpcConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..RpcConfig::default()
        },
    ))?;
    let mut client = HttpClient::connect(server.local_addr())?;
    let started = Instant::now();
    for _ in 0..ROUND_TRIPS {
        client.call("eth_blockNumber", json!([]))?;
    }
    let round_trip = started.elapsed() / ROUND_TRIPS;
    let started = Instant::now();
    for tx in tasks.iter().flat_map(|task| &task.transactions) {
        client.send_checked(tx)?;
    }
    let elapsed = started.elapsed();
    drop(client);
    runtime.block_on(server.shutdown());
    drop(runtime);
    let chain = Arc::try_unwrap(shared)
        .map_err(|_| "the server still holds the chain")?
        .into_inner()
        .map_err(|_| "the chain's lock is poisoned")?;
    Ok((chain, elapsed, Some(round_trip)))
}

/// A JSON-RPC client over one keep-alive HTTP/1.1 connection.
struct HttpClient {
    reader: BufReader<TcpStream>,
    addr: SocketAddr,
    next_id: u64,
}

impl HttpClient {
    fn connect(addr: SocketAddr) -> BenchResult<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Self {
            reader: BufReader::new(stream),
            addr,
            next_id: 1,
        })
    }

    /// Calls `method`; returns its result, or fails with its error.
    fn call(&mut self, method: &str, params: Value) -> BenchResult<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let stream = self.reader.get_mut();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )?;
        let (status, body) = self.read_response()?;
        if status != 200 {
            return Err(format!(
                "{method}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            )
            .into());
        }
        let mut answer: Value = serde_json::from_slice(&body)?;
        if answer["id"] != json!(id) {
            return Err(format!("{method}: answer to another request: {answer}").into());
        }
        match answer.get_mut("result") {
            Some(result) => Ok(result.take()),
            None => Err(format!("{method}: {}", answer["error"]).into()),
        }
    }

    /// Reads one response with a `Content-Length` body.
    fn read_response(&mut self) -> BenchResult<(u16, Vec<u8>)> {
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .ok_or_else(|| format!("bad status line {line:?}"))?
            .parse()?;
        let mut length = None;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = Some(value.trim().parse::<usize>()?);
            }
        }
        let mut body = vec![0; length.ok_or("a response without Content-Length")?];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }

    /// `eth_sendRawTransaction`, then `eth_getTransactionReceipt`, which must say status 1.
    fn send_checked(&mut self, tx: &RawTransaction) -> BenchResult<()> {
        let hash = self.call("eth_sendRawTransaction", json!([tx.raw]))?;
        if hash != json!(tx.hash) {
            return Err(format!("{}: hash {hash}, expected {}", tx.label, tx.hash).into());
        }
        let receipt = self.call("eth_getTransactionReceipt", json!([tx.hash]))?;
        match receipt["status"].as_str() {
            Some("0x1") => Ok(()),
            _ => Err(format!(
                "{} ({}) not mined with status 1: {receipt}",
                tx.label, tx.hash
            )
            .into()),
        }
    }
}

/// The median runs of one configuration.
#[derive(Debug)]
struct Summary {
    label: &'static str,
    tasks: u64,
    runs: Vec<Run>,
}

impl Summary {
    fn tasks_per_s(&self, run: &Run) -> f64 {
        self.tasks as f64 / run.mine.as_secs_f64()
    }

    /// The run of median mining time.
    fn median(&self) -> &Run {
        let mut sorted: Vec<&Run> = self.runs.iter().collect();
        sorted.sort_by_key(|run| run.mine);
        sorted[sorted.len() / 2]
    }

    fn median_build_us_per_task(&self) -> f64 {
        let mut builds: Vec<Duration> = self.runs.iter().map(|run| run.build).collect();
        builds.sort();
        builds[builds.len() / 2].as_secs_f64() * 1e6 / self.tasks as f64
    }

    fn json(&self) -> serde_json::Value {
        let median = self.median();
        json!({
            "tasks_per_s": round(self.tasks_per_s(median)),
            "tx_per_s": round(3.0 * self.tasks_per_s(median)),
            "ms_per_task": round(median.mine.as_secs_f64() * 1e3 / self.tasks as f64),
            "blocks_per_run": median.blocks,
            "journal_bytes_per_task": median.journal_bytes / self.tasks,
            "build_us_per_task": round(self.median_build_us_per_task()),
            "rpc_round_trip_us": median.round_trip.map(|rtt| round(rtt.as_secs_f64() * 1e6)),
            "runs_tasks_per_s": self.runs.iter().map(|run| round(self.tasks_per_s(run))).collect::<Vec<_>>(),
        })
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn measure(options: &Options, label: &'static str, sync: bool, path: Path) -> BenchResult<Summary> {
    let mut runs = Vec::with_capacity(options.runs);
    for index in 0..options.runs {
        let run = run_once(options, sync, path)?;
        println!(
            "  {label}, run {}/{}: {} tasks in {:.3} s ({:.1} tasks/s)",
            index + 1,
            options.runs,
            options.tasks,
            run.mine.as_secs_f64(),
            options.tasks as f64 / run.mine.as_secs_f64()
        );
        runs.push(run);
    }
    Ok(Summary {
        label,
        tasks: options.tasks,
        runs,
    })
}

fn main() -> BenchResult<()> {
    let options = Options::parse()?;
    println!(
        "devchain_tasks: {} TEE tasks (matchOrders + initialize + contributeAndFinalize) per run, \
         {} runs per configuration, a fresh automining chain each",
        options.tasks, options.runs
    );
    let mut summaries = vec![
        (
            "sync_on",
            measure(&options, "direct, sync on", true, Path::Direct)?,
        ),
        (
            "sync_off",
            measure(&options, "direct, sync off", false, Path::Direct)?,
        ),
    ];
    if options.rpc {
        summaries.push((
            "rpc_sync_on",
            measure(&options, "rpc, sync on", true, Path::Rpc)?,
        ));
        summaries.push((
            "rpc_sync_off",
            measure(&options, "rpc, sync off", false, Path::Rpc)?,
        ));
    }

    println!();
    println!(
        "{:<16} {:>9} {:>8} {:>9} {:>11} {:>14} {:>15}  runs (tasks/s)",
        "path, journal",
        "tasks/s",
        "tx/s",
        "ms/task",
        "blocks/run",
        "journal B/task",
        "build µs/task"
    );
    for (_, summary) in &summaries {
        let median = summary.median();
        let runs: Vec<String> = summary
            .runs
            .iter()
            .map(|run| format!("{:.1}", summary.tasks_per_s(run)))
            .collect();
        println!(
            "{:<16} {:>9.1} {:>8.1} {:>9.2} {:>11} {:>14} {:>15.0}  {}",
            summary.label,
            summary.tasks_per_s(median),
            3.0 * summary.tasks_per_s(median),
            median.mine.as_secs_f64() * 1e3 / options.tasks as f64,
            median.blocks,
            median.journal_bytes / options.tasks,
            summary.median_build_us_per_task(),
            runs.join(" ")
        );
    }
    if let Some(rtt) = summaries
        .iter()
        .find_map(|(_, summary)| summary.median().round_trip)
    {
        println!(
            "rpc round trip of eth_blockNumber (one keep-alive connection): {:.0} µs",
            rtt.as_secs_f64() * 1e6
        );
    }
    let mut line = json!({
        "bench": "devchain_tasks",
        "tasks": options.tasks,
        "runs": options.runs,
    });
    for (key, summary) in &summaries {
        line[*key] = summary.json();
    }
    println!();
    println!("BENCH {line}");
    Ok(())
}
