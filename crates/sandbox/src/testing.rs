//! Test support (feature `testing`): building a cargo workspace of `wasm32-wasip1` programs
//! (the sandbox's hostile guests) once per process for the tests that run them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the workspace of `manifest` for wasm32-wasip1 (release) into
/// `$CARGO_TARGET_DIR/<target_name>` (else `<workspace>/target/<target_name>`, the workspace
/// being two levels above `crate_dir`); returns the directory of the `.wasm` files. `None`
/// (after saying why) when the wasm32-wasip1 target is not installed; under `CI=true` that is a
/// failure, as is any other build failure.
pub fn build_wasm_workspace(
    manifest: &Path,
    crate_dir: &Path,
    target_name: &str,
) -> Option<PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("../../target"))
        .join(target_name);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip1",
            "--manifest-path",
        ])
        .arg(manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .unwrap_or_else(|error| panic!("running {cargo:?}: {error}"));
    if !status.success() {
        if target_installed() {
            panic!(
                "building {} for wasm32-wasip1 failed ({status})",
                manifest.display()
            );
        }
        let why = "the wasm32-wasip1 target is not installed (`rustup target add wasm32-wasip1`)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{why}: the tests running {} need it under CI",
                manifest.display()
            );
        }
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping the tests running {}: {why}", manifest.display());
        }
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
