//! The test guests (`crates/sandbox/guests`), built once per process for wasm32-wasip1.
//! Shared by the integration tests and the bench (`#[path]`).

use std::path::{Path, PathBuf};
use std::process::Command;
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
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace_target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../target"));
    let target_dir = workspace_target.join("wasm-guests");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip1",
            "--manifest-path",
        ])
        .arg(manifest_dir.join("guests/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .unwrap_or_else(|error| panic!("running {cargo:?}: {error}"));
    if !status.success() {
        if target_installed() {
            panic!("building the wasm32-wasip1 test guests failed ({status})");
        }
        let why = "the wasm32-wasip1 target is not installed (`rustup target add wasm32-wasip1`)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{why}: the sandbox tests need it under CI");
        }
        eprintln!("skipping the sandbox's guest tests: {why}");
        return None;
    }
    Some(target_dir.join("wasm32-wasip1/release"))
}

fn target_installed() -> bool {
    let Ok(output) = Command::new("rustc").args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Path::new(&sysroot)
        .join("lib/rustlib/wasm32-wasip1")
        .is_dir()
}
