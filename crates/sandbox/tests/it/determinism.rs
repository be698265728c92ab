//! Reproducible runs ([`Determinism`]): the `entropy` guest prints random bytes, clocks and a
//! NaN's bits.

use super::{TaskDirs, guest, sandbox, test_limits};
use confide_sandbox::{AppEnv, AppRun, Determinism, VIRTUAL_TICK};
use std::collections::BTreeMap;
use std::time::Duration;

/// Runs `entropy` and returns its report, line by line.
fn entropy(determinism: Option<Determinism>) -> Option<BTreeMap<String, String>> {
    let module = sandbox().load(&guest("entropy")?).unwrap();
    let dirs = TaskDirs::new();
    sandbox()
        .run(&AppRun {
            module: &module,
            args: vec![],
            env: AppEnv::default(),
            input_dir: dirs.input(),
            output_dir: dirs.output(),
            limits: test_limits(),
            determinism,
        })
        .unwrap();
    let report = std::fs::read_to_string(dirs.output().join("result.txt")).unwrap();
    Some(
        report
            .lines()
            .map(|line| {
                let (key, value) = line.split_once('=').unwrap();
                (key.to_owned(), value.to_owned())
            })
            .collect(),
    )
}

fn determinism(seed: u8) -> Determinism {
    Determinism {
        random_seed: [seed; 32],
        wall_clock: Duration::from_secs(1_700_000_000),
    }
}

#[test]
fn deterministic_runs_agree_bit_for_bit() {
    let Some(first) = entropy(Some(determinism(7))) else {
        return;
    };
    let second = entropy(Some(determinism(7))).unwrap();
    assert_eq!(first, second);
    // The wall clock starts at the given instant and moves one tick per read; the monotonic
    // clock moves one tick between the two reads around nothing.
    let wall = Duration::from_secs(1_700_000_000) + VIRTUAL_TICK;
    assert_eq!(
        first["wall"],
        format!("{}.{:09}", wall.as_secs(), wall.subsec_nanos())
    );
    assert_eq!(first["monotonic"], VIRTUAL_TICK.as_nanos().to_string());

    let other_seed = entropy(Some(determinism(8))).unwrap();
    assert_ne!(first["random"], other_seed["random"]);
    assert_eq!(first["wall"], other_seed["wall"]);
}

#[test]
fn host_runs_get_fresh_random_bytes_and_real_time() {
    let Some(first) = entropy(None) else { return };
    let second = entropy(None).unwrap();
    assert_ne!(first["random"], second["random"]);
    let wall: f64 = first["wall"].parse().unwrap();
    assert!(wall > 1_700_000_000.0, "{wall}");
}

#[test]
fn nans_are_canonical_in_every_run() {
    for determinism in [None, Some(determinism(1))] {
        let Some(report) = entropy(determinism) else {
            return;
        };
        assert_eq!(report["nan"], "0x7fc00000");
    }
}
