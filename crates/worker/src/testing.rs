//! Test support (feature `testing`): the example iApp `apps/hello`, built once per process.

use std::path::{Path, PathBuf};
use std::process::Command;
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
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("wasm-apps");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip1",
            "--manifest-path",
        ])
        .arg(workspace.join("apps/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .unwrap_or_else(|error| panic!("running {cargo:?}: {error}"));
    if !status.success() {
        if target_installed() {
            panic!("building the example iApps (apps/) failed ({status})");
        }
        let why = "the wasm32-wasip1 target is not installed (`rustup target add wasm32-wasip1`)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{why}: tests running the example iApps need it under CI");
        }
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipping tests that run the example iApps: {why}");
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
