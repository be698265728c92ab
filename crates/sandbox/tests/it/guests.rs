//! The test guests (`crates/sandbox/guests`), built once per process for wasm32-wasip1.
//! Shared by the integration tests and the bench (`#[path]`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where the guests' `.wasm` files are, or `None` (after saying why) when the wasm32-wasip1
/// target is not installed; under `CI=true` that is a failure.
pub fn guests_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(build).as_deref()
}

/// The bytes of guest `name`.
pub fn guest(name: &str) -> Option<Vec<u8>> {
    let path = guests_dir()?.join(format!("{name}.wasm"));
    Some(std::fs::read(&path).unwrap_or_else(|error| panic!("reading {path:?}: {error}")))
}

fn build() -> Option<PathBuf> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    confide_sandbox::testing::build_wasm_workspace(
        &crate_dir.join("guests/Cargo.toml"),
        crate_dir,
        "wasm-guests",
    )
}
