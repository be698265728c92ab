//! Sealing throughput: seal and unseal 1 GiB in both formats.
//!
//! Plaintext streams from an in-memory cycling reader and output goes to `io::sink`; unseal
//! reads a pre-sealed in-memory buffer. Only the format's work (plus the reader's memcpy,
//! inherent to streaming) is measured. Run: `cargo bench -p confide-crypto --bench seal`.

use std::hint::black_box;
use std::io::{self, Read};
use std::time::Duration;

use confide_crypto::seal::{self, SealFormat, SealKey};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SIZE: u64 = 1 << 30;

const PATTERN_LEN: usize = 1 << 20;

/// Yields `remaining` bytes by cycling over a 1 MiB buffer. The buffer starts on a page
/// boundary, like the sealing module's own buffers, so that the reader's `memcpy` does not
/// hit 4K aliasing (a source/destination offset just below 64 bytes modulo 4096 makes it
/// several times slower on this machine), which would measure the allocator, not the format.
struct CyclingReader {
    storage: Vec<u8>,
    start: usize,
    pos: usize,
    remaining: u64,
}

impl CyclingReader {
    fn new(len: u64) -> Self {
        let storage: Vec<u8> = (0..PATTERN_LEN + 4096)
            .map(|i| (i * 31 + 7) as u8)
            .collect();
        let start = (4096 - storage.as_ptr().addr() % 4096) % 4096;
        Self {
            storage,
            start,
            pos: 0,
            remaining: len,
        }
    }
}

impl Read for CyclingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = PATTERN_LEN - self.pos;
        let n = buf
            .len()
            .min(available)
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let from = self.start + self.pos;
        buf[..n].copy_from_slice(&self.storage[from..from + n]);
        self.pos = (self.pos + n) % PATTERN_LEN;
        self.remaining -= n as u64;
        Ok(n)
    }
}

fn bench_format(c: &mut Criterion, format: SealFormat, name: &str) {
    let key = SealKey::from([0x42; 32]);
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Bytes(SIZE));
    group.bench_function("seal 1 GiB", |b| {
        b.iter(|| {
            seal::seal(&key, format, CyclingReader::new(SIZE), io::sink())
                .map(|summary| black_box(summary.sealed_bytes))
        })
    });
    let mut sealed = Vec::with_capacity(usize::try_from(SIZE).unwrap_or(0) + (1 << 20));
    if seal::seal(&key, format, CyclingReader::new(SIZE), &mut sealed).is_err() {
        return;
    }
    group.bench_function("unseal 1 GiB", |b| {
        b.iter(|| {
            seal::unseal(&key, &sealed[..], io::sink())
                .map(|summary| black_box(summary.plaintext_bytes))
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_format(c, SealFormat::Confide, "confide-gcm");
    bench_format(c, SealFormat::IexecCbc, "iexec-cbc");
}

criterion_group!(seal_benches, benches);
criterion_main!(seal_benches);
