//! Test support (feature `testing`): the example iApps as committed in `apps/dist` (built
//! reproducibly from `apps/` by `scripts/build-apps`, checked by `scripts/test`), so tests need
//! no wasm32-wasip1 toolchain.

use std::path::PathBuf;

/// The module of `apps/hello` (`apps/dist/hello.wasm`). Always `Some`: the `Option` remains
/// from when it was built from source and could be missing, so its callers need no change.
pub fn hello_app() -> Option<Vec<u8>> {
    Some(app_module("hello"))
}

/// The module of `apps/stats` (`apps/dist/stats.wasm`).
pub fn stats_app() -> Vec<u8> {
    app_module("stats")
}

/// The committed module `apps/dist/<name>.wasm`.
fn app_module(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../apps/dist")
        .join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}
