//! Panics; with `panic = "abort"` the wasm module traps.
fn main() {
    let divisor = std::hint::black_box(0u32);
    if divisor == 0 {
        panic!("the guest gave up");
    }
}
