//! `confide bench gas`: the document's shape (figures are reported, not asserted).

use crate::{assert_code, assert_fails, confide, json, path};
use confide_chain::deploy::reference_package_dir;
use std::path::PathBuf;

/// The extracted reference PoCo package, or `None` with a message (a failure under CI=true).
#[allow(clippy::print_stderr)]
fn reference_package() -> Option<PathBuf> {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = reference_package_dir(&crate_dir.join("../.."));
    if dir.join("package.json").is_file() {
        return Some(dir);
    }
    let why = format!(
        "bench_gas_prints_both_implementations: the reference PoCo package is not at {} (run \
         scripts/reference-poco, or set CONFIDE_REFERENCE_POCO)",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("skipped {why}");
    None
}

#[test]
fn bench_gas_prints_both_implementations() {
    let Some(package) = reference_package() else {
        return;
    };
    let output = confide(&["--json", "bench", "gas", "--reference", path(&package)]);
    assert_code(&output, 0);
    let document = json(&output);
    let scenarios = document["scenarios"].as_array().unwrap();
    let names: Vec<&str> = scenarios
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[0], "TEE task");
    assert!(
        names[1].starts_with("replicated task (trust 3"),
        "{names:?}"
    );
    assert!(
        names[2].starts_with("replicated task (trust 5"),
        "{names:?}"
    );
    assert!(names[3].starts_with("bulk deal"), "{names:?}");
    for scenario in scenarios {
        let calls = scenario["calls"].as_array().unwrap();
        assert!(!calls.is_empty());
        for call in calls {
            assert!(call["label"].is_string(), "{call}");
            assert!(call["confide"].is_u64(), "{call}");
            assert!(call["reference"].is_u64(), "{call}");
        }
        let per_task = &scenario["perTask"];
        assert!(per_task["confide"].is_u64() && per_task["reference"].is_u64());
        assert!(per_task["ratio"].is_number(), "{per_task}");
    }
    let tee = &scenarios[0];
    let labels: Vec<&str> = tee["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["task"] == true)
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["matchOrders", "initialize", "contributeAndFinalize"]
    );
    assert!(tee["perTask"]["ratio"].as_f64().is_some());
}

#[test]
fn bench_gas_without_the_reference_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = confide(&["bench", "gas", "--reference", path(dir.path())]);
    assert_fails(&output, 1, "scripts/reference-poco");
}
