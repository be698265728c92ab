//! Throughput of the local backend: `put` (chunk, hash, build the DAG, write each block to a
//! temporary file and rename it) and `get` (read every block, verify it against its CID, walk
//! the DAG), in GB/s of file bytes, medians of several fresh stores. For scale, the same DAG
//! built with no store at all (`hash only`: SHA-256 of every block, the floor of both).
//!
//! The input is generated in memory (no input file to read), the output goes to `io::sink`, so
//! what is timed is the store. `get` reads blocks `put` just wrote: from the page cache, as a
//! node serving recent data does.
//!
//! `--rss-gib N` then puts and gets one N GiB file (the store on disk, streamed both ways) and
//! prints the process's peak resident memory (`VmHWM`); it fails above `--max-rss-mib`
//! (64 by default), the flat-memory promise of the local backend.
//!
//! Run: `cargo bench -p confide-storage --bench local_store [-- --size-mib 256 --runs 5
//! --rss-gib 2]`; `CONFIDE_BENCH_DIR` chooses where stores go (the system temporary directory
//! by default).
#![allow(clippy::print_stdout, missing_docs)]

use confide_storage::unixfs::{CHUNK_SIZE, build};
use confide_storage::{FileDag, LocalStore};
use std::error::Error;
use std::io::{self, Read};
use std::time::Instant;

type BenchResult<T> = Result<T, Box<dyn Error>>;

#[derive(Debug)]
struct Options {
    size_mib: u64,
    runs: usize,
    rss_gib: u64,
    max_rss_mib: u64,
}

impl Options {
    /// `--size-mib N`, `--runs N`, `--rss-gib N`, `--max-rss-mib N`; others (such as the
    /// `--bench` cargo passes) are ignored.
    fn parse() -> BenchResult<Self> {
        let mut options = Self {
            size_mib: 256,
            runs: 5,
            rss_gib: 0,
            max_rss_mib: 64,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || -> BenchResult<u64> {
                Ok(args.next().ok_or(format!("{arg} needs a value"))?.parse()?)
            };
            match arg.as_str() {
                "--size-mib" => options.size_mib = value()?,
                "--runs" => options.runs = value()?.try_into()?,
                "--rss-gib" => options.rss_gib = value()?,
                "--max-rss-mib" => options.max_rss_mib = value()?,
                _ => {}
            }
        }
        if options.runs == 0 || options.size_mib == 0 {
            return Err("--runs and --size-mib must be at least 1".into());
        }
        Ok(options)
    }
}

/// `len` bytes of content where no two chunks are equal (equal chunks would be stored once).
struct Content {
    pattern: Vec<u8>,
    offset: u64,
    len: u64,
}

impl Content {
    fn new(len: u64) -> Self {
        // Deterministic bytes that do not compress or repeat within a chunk.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let pattern = (0..CHUNK_SIZE)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        Self {
            pattern,
            offset: 0,
            len,
        }
    }
}

impl Read for Content {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let chunk = CHUNK_SIZE as u64;
        let within = (self.offset % chunk) as usize;
        let n = (buf.len() as u64)
            .min(self.len - self.offset)
            .min(chunk - within as u64) as usize;
        buf[..n].copy_from_slice(&self.pattern[within..within + n]);
        // Each chunk starts with its index, so chunks differ.
        let index = (self.offset / chunk).to_le_bytes();
        for (i, byte) in buf[..n]
            .iter_mut()
            .enumerate()
            .take(8usize.saturating_sub(within))
        {
            *byte = index[within + i];
        }
        self.offset += n as u64;
        Ok(n)
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn gb_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e9
}

fn bench_dir() -> BenchResult<tempfile::TempDir> {
    let parent = std::env::var_os("CONFIDE_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    Ok(tempfile::tempdir_in(parent)?)
}

/// One put and one get of `size` bytes in a fresh store; their durations in seconds.
fn put_get(size: u64) -> BenchResult<(f64, f64, FileDag)> {
    let dir = bench_dir()?;
    let store = LocalStore::open(dir.path())?;
    let start = Instant::now();
    let dag = store.put(Content::new(size))?;
    let put = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let read = store.get(&dag.root, &mut io::sink())?;
    let get = start.elapsed().as_secs_f64();
    if read != size || dag.file_size != size {
        return Err(format!("stored {} and read {read} bytes of {size}", dag.file_size).into());
    }
    Ok((put, get, dag))
}

fn peak_rss_kib() -> BenchResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("malformed VmHWM")?
        .parse()?)
}

fn main() -> BenchResult<()> {
    let options = Options::parse()?;
    let size = options.size_mib << 20;
    println!(
        "local store, {} MiB file, {} fresh stores (GB/s of file bytes, median [min–max])",
        options.size_mib, options.runs
    );
    let (mut puts, mut gets, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..options.runs {
        let start = Instant::now();
        let dag: Result<FileDag, io::Error> = build(Content::new(size), |_| Ok(()));
        let hashed = dag?;
        hashes.push(gb_per_s(size, start.elapsed().as_secs_f64()));
        let (put, get, dag) = put_get(size)?;
        if dag.root != hashed.root {
            return Err("the store and the builder disagree on the CID".into());
        }
        puts.push(gb_per_s(size, put));
        gets.push(gb_per_s(size, get));
    }
    for (name, values) in [("hash only", hashes), ("put", puts), ("get", gets)] {
        let (min, max) = values
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        println!(
            "  {name:<9} {:6.2} GB/s  [{min:.2}–{max:.2}]",
            median(values)
        );
    }

    if options.rss_gib > 0 {
        let size = options.rss_gib << 30;
        let (put, get, dag) = put_get(size)?;
        let peak_mib = peak_rss_kib()? / 1024;
        println!(
            "{} GiB file {}: put {:.2} GB/s, get {:.2} GB/s, {} blocks; peak RSS of this process {peak_mib} MiB",
            options.rss_gib,
            dag.root,
            gb_per_s(size, put),
            gb_per_s(size, get),
            dag.blocks
        );
        if peak_mib > options.max_rss_mib {
            return Err(format!(
                "peak RSS {peak_mib} MiB is over the {} MiB limit",
                options.max_rss_mib
            )
            .into());
        }
    }
    Ok(())
}
