//! Test support (feature `testing`): the example iApp `apps/hello`, built once per process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The bytes of `apps/hello` built for wasm32-wasip1 (release), or `None` (after saying why)
/// when the wasm32-wasip1 target is not installed; under `CI=true` that is a failure.
///
/// Built into `$CARGO_TARGET_DIR/wasm-apps` (or `<workspace>/target/wasm-apps`) once per
/// process.
pub fn hello_app() -> Option<Vec<u8>> {
    let path = apps_dir()?.join("hello.wasm");
    Some(std::fs::read(&path).unwrap_or_else(|error| panic!("reading {path:?}: {error}")))
}

/// Where the built apps' `.wasm` files are, or `None` (see [`hello_app`]).
pub fn apps_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(build).as_deref()
}

fn build() -> Option<PathBuf> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    confide_sandbox::testing::build_wasm_workspace(
        &crate_dir.join("../../apps/Cargo.toml"),
        crate_dir,
        "wasm-apps",
    )
}
