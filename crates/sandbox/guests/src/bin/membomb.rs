//! Allocates (and touches) 16 MiB blocks until memory runs out.
fn main() {
    let mut blocks = Vec::new();
    loop {
        let block = vec![1u8; 16 << 20];
        blocks.push(std::hint::black_box(block));
        println!("allocated {} MiB", blocks.len() * 16);
    }
}
