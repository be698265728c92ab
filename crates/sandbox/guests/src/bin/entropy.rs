//! Prints what a run could differ on between hosts or runs: 32 random bytes (WASI
//! `random_get`), the wall clock, the monotonic clock read twice, and the bits of a NaN made at
//! run time (x86 gives 0xffc00000 for 0/0, the canonical NaN is 0x7fc00000). Writes the same
//! lines to `result.txt`.
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn random_get(buf: *mut u8, len: usize) -> u16;
}

fn main() {
    let mut random = [0u8; 32];
    // SAFETY: the buffer is live and 32 bytes long.
    assert_eq!(unsafe { random_get(random.as_mut_ptr(), random.len()) }, 0);
    let random: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let start = Instant::now();
    let elapsed = start.elapsed();
    // Zero at run time (one argument: the program name), so 0/0 is not folded by the compiler.
    let zero = std::hint::black_box(std::env::args().count() as f32 - 1.0);
    let nan = zero / zero;
    let report = format!(
        "random={random}\nwall={}.{:09}\nmonotonic={}\nnan={:#010x}\n",
        wall.as_secs(),
        wall.subsec_nanos(),
        elapsed.as_nanos(),
        nan.to_bits()
    );
    print!("{report}");
    let output_dir = std::env::var("IEXEC_OUT").unwrap_or_default();
    std::fs::write(format!("{output_dir}/result.txt"), &report).expect("write result.txt");
    std::fs::write(
        format!("{output_dir}/computed.json"),
        format!(r#"{{"deterministic-output-path":"{output_dir}/result.txt"}}"#),
    )
    .expect("write computed.json");
}
