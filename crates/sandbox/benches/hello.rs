//! Start-to-exit time of the hello guest (reads `/iexec_in`, writes `result.txt` and
//! `computed.json`): `cold` compiles the module in a fresh sandbox then runs it; `warm` runs
//! the cached module (a new store and instance each run, the output directory emptied in
//! between). Medians.
//!
//! Run: `cargo bench -p confide-sandbox --bench hello [-- --cold-runs 5 --warm-runs 50]`
//! (builds the guests like the tests do; needs the wasm32-wasip1 target).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    missing_docs,
    unreachable_pub,
    dead_code
)]

#[path = "../tests/it/guests.rs"]
mod guests;

use confide_sandbox::{AppEnv, AppModule, AppRun, Limits, Sandbox, SandboxConfig};
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn Error>>;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> BenchResult<()> {
    let mut cold_runs = 5usize;
    let mut warm_runs = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cold-runs" => cold_runs = args.next().ok_or("--cold-runs needs a value")?.parse()?,
            "--warm-runs" => warm_runs = args.next().ok_or("--warm-runs needs a value")?.parse()?,
            _ => {}
        }
    }
    let Some(wasm) = guests::guest("hello") else {
        return Err("the wasm32-wasip1 target is needed to build the hello guest".into());
    };
    let root = tempfile::tempdir()?;
    let input_dir = root.path().join("in");
    let output_dir = root.path().join("out");
    std::fs::create_dir(&input_dir)?;
    std::fs::write(input_dir.join("input.txt"), "the quick brown fox")?;
    let env = AppEnv {
        task_id: "0x01".into(),
        input_file_names: vec!["input.txt".into()],
        ..AppEnv::default()
    };
    let fresh_output = || -> BenchResult<()> {
        if output_dir.exists() {
            std::fs::remove_dir_all(&output_dir)?;
        }
        std::fs::create_dir(&output_dir)?;
        Ok(())
    };

    let mut compile = Vec::new();
    let mut cold = Vec::new();
    let run = |sandbox: &Sandbox, module: &Arc<AppModule>| {
        sandbox.run(&AppRun {
            module,
            args: vec![],
            env: env.clone(),
            input_dir: input_dir.clone(),
            output_dir: output_dir.clone(),
            limits: Limits::default(),
            determinism: None,
        })
    };
    for _ in 0..cold_runs.max(1) {
        let sandbox = Sandbox::new(SandboxConfig::default())?;
        fresh_output()?;
        let started = Instant::now();
        let module = sandbox.load(&wasm)?;
        compile.push(started.elapsed());
        run(&sandbox, &module)?;
        cold.push(started.elapsed());
    }

    let sandbox = Sandbox::new(SandboxConfig::default())?;
    sandbox.load(&wasm)?;
    let mut warm = Vec::new();
    let mut warm_run_only = Vec::new();
    for _ in 0..warm_runs.max(1) {
        fresh_output()?;
        let started = Instant::now();
        let module = sandbox.load(&wasm)?;
        let outcome = run(&sandbox, &module)?;
        warm.push(started.elapsed());
        warm_run_only.push(outcome.wall_time);
    }
    println!(
        "hello guest: {} bytes, measurement {}",
        wasm.len(),
        confide_sandbox::Measurement::of(&wasm)
    );
    println!(
        "cold  (compile + run): median {:?} (compile {:?}) over {} runs",
        median(cold),
        median(compile),
        cold_runs.max(1)
    );
    println!(
        "warm  (cached load + run): median {:?} over {} runs",
        median(warm),
        warm_runs.max(1)
    );
    println!(
        "      (instantiate to exit alone: median {:?})",
        median(warm_run_only)
    );
    Ok(())
}
