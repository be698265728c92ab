//! Never ends: a busy loop the host must stop at its wall-time limit.
fn main() {
    let mut counter = 0u64;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}
