//! Embeds every committed contract artifact (`contracts/artifacts/*.json`) in the crate, so that
//! `confide_chain::artifacts` can look artifacts up by name with nothing to edit when one is added.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dir = manifest.join("../../contracts/artifacts");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut names: Vec<(String, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.expect("readable directory entry").path();
            let name = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "json").then_some((name, path))
        })
        .collect();
    names.sort();

    let mut table = String::from("&[\n");
    for (name, path) in &names {
        let path = fs::canonicalize(path).unwrap_or_else(|_| Path::new(path).to_path_buf());
        writeln!(
            table,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to a String");
    }
    table.push(']');

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("artifacts.rs");
    fs::write(&out, table).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
