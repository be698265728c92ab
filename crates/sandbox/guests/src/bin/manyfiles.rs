//! Tries to create 100,000 files in `/iexec_out`.
fn main() {
    for n in 0..100_000 {
        std::fs::write(format!("/iexec_out/f{n}"), b"x").expect("create a file");
    }
    println!("created 100000 files");
}
