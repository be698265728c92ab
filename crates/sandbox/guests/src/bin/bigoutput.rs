//! Tries to write 10 GB to `/iexec_out/big.bin`, 1 MiB per write.
use std::io::Write;

fn main() {
    let mut file = std::fs::File::create("/iexec_out/big.bin").expect("create big.bin");
    let chunk = vec![0x5au8; 1 << 20];
    let mut written = 0u64;
    while written < 10_000_000_000 {
        file.write_all(&chunk).expect("write");
        written += chunk.len() as u64;
    }
    println!("wrote {written} bytes");
}
