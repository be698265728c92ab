//! Sleeps an hour inside one host call (`poll_oneoff`), where no wasm code runs to be interrupted.
fn main() {
    std::thread::sleep(std::time::Duration::from_secs(3600));
    println!("woke up");
}
