//! Complete TEE tasks per second mined by the dev chain. A task is `matchOrders` +
//! `initialize` + `contributeAndFinalize`, three EIP-1559 transactions signed with the dev
//! accounts' keys, submitted as raw bytes and automined (a block each), the journal fsynced
//! (the default), then again with `sync` off.
//!
//! Run: `cargo bench -p confide-chain --bench devchain_tasks [-- --tasks N --runs N]`
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

use confide_chain::devchain::workload::{TaskTransactions, TeeWorkload};
use confide_chain::devchain::{DevChain, DevChainConfig};
use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// What to run.
#[derive(Debug)]
struct Options {
    tasks: u64,
    runs: usize,
    dir: Option<PathBuf>,
}

impl Options {
    /// Environment variables, then `--tasks N` / `--runs N` arguments (others, such as the
    /// `--bench` cargo passes, are ignored).
    fn parse() -> BenchResult<Self> {
        let env = |name: &str| std::env::var(name).ok();
        let mut tasks = env("CONFIDE_BENCH_TASKS").unwrap_or_else(|| "200".into());
        let mut runs = env("CONFIDE_BENCH_RUNS").unwrap_or_else(|| "5".into());
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--tasks" => tasks = args.next().ok_or("--tasks needs a value")?,
                "--runs" => runs = args.next().ok_or("--runs needs a value")?,
                _ => {}
            }
        }
        let options = Self {
            tasks: tasks.parse().map_err(|e| format!("tasks {tasks:?}: {e}"))?,
            runs: runs.parse().map_err(|e| format!("runs {runs:?}: {e}"))?,
            dir: env("CONFIDE_BENCH_DIR").map(PathBuf::from),
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
}

fn run_once(options: &Options, sync: bool) -> BenchResult<Run> {
    let dir = options.data_dir()?;
    let config = DevChainConfig {
        sync,
        ..DevChainConfig::default()
    };
    let mut chain = DevChain::open(dir.path(), config)?;
    let mut workload = TeeWorkload::setup(&mut chain, options.tasks)?;

    let started = Instant::now();
    let tasks: Vec<TaskTransactions> = workload.build_tasks(options.tasks)?;
    let build = started.elapsed();

    let (first_block, journal_before) = (chain.block_number(), chain.journal_len());
    let started = Instant::now();
    for task in &tasks {
        task.submit(&mut chain)?;
    }
    let mine = started.elapsed();
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
    })
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
        serde_json::json!({
            "tasks_per_s": round(self.tasks_per_s(median)),
            "tx_per_s": round(3.0 * self.tasks_per_s(median)),
            "ms_per_task": round(median.mine.as_secs_f64() * 1e3 / self.tasks as f64),
            "blocks_per_run": median.blocks,
            "journal_bytes_per_task": median.journal_bytes / self.tasks,
            "build_us_per_task": round(self.median_build_us_per_task()),
            "runs_tasks_per_s": self.runs.iter().map(|run| round(self.tasks_per_s(run))).collect::<Vec<_>>(),
        })
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn measure(options: &Options, label: &'static str, sync: bool) -> BenchResult<Summary> {
    let mut runs = Vec::with_capacity(options.runs);
    for index in 0..options.runs {
        let run = run_once(options, sync)?;
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
    let summaries = [
        measure(&options, "sync on", true)?,
        measure(&options, "sync off", false)?,
    ];

    println!();
    println!(
        "{:<9} {:>9} {:>8} {:>9} {:>11} {:>14} {:>15}  runs (tasks/s)",
        "journal", "tasks/s", "tx/s", "ms/task", "blocks/run", "journal B/task", "build µs/task"
    );
    for summary in &summaries {
        let median = summary.median();
        let runs: Vec<String> = summary
            .runs
            .iter()
            .map(|run| format!("{:.1}", summary.tasks_per_s(run)))
            .collect();
        println!(
            "{:<9} {:>9.1} {:>8.1} {:>9.2} {:>11} {:>14} {:>15.0}  {}",
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
    let line = serde_json::json!({
        "bench": "devchain_tasks",
        "tasks": options.tasks,
        "runs": options.runs,
        "sync_on": summaries[0].json(),
        "sync_off": summaries[1].json(),
    });
    println!();
    println!("BENCH {line}");
    Ok(())
}
