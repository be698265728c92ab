//! Makes a 10 GB file without writing 10 GB: one byte written past a 10 GB seek (a sparse file).
use std::io::{Seek, SeekFrom, Write};

fn main() {
    let mut file = std::fs::File::create("/iexec_out/sparse.bin").expect("create sparse.bin");
    file.seek(SeekFrom::Start(10_000_000_000)).expect("seek");
    file.write_all(b"x").expect("write");
    std::fs::write(
        "/iexec_out/computed.json",
        r#"{"deterministic-output-path":"/iexec_out/sparse.bin"}"#,
    )
    .expect("write computed.json");
}
