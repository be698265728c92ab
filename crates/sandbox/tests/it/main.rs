//! confide-sandbox against real guests: the Rust programs of `crates/sandbox/guests` (one per
//! behaviour, hostile ones included) and a few hand-assembled modules.
#![allow(clippy::unwrap_used, clippy::print_stderr, unreachable_pub)]

mod determinism;
mod guests;
mod modules;

use confide_sandbox::{
    AppEnv, AppModule, AppRun, Limits, Measurement, RunOutcome, Sandbox, SandboxConfig,
    SandboxError,
};
use guests::guest;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

/// A task's directories: `in` (with `input.txt`) and `out` under one temporary root, so a
/// write beside them would be seen.
struct TaskDirs {
    root: tempfile::TempDir,
}

impl TaskDirs {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("in")).unwrap();
        std::fs::create_dir(root.path().join("out")).unwrap();
        std::fs::write(root.path().join("in/input.txt"), "the quick brown fox").unwrap();
        Self { root }
    }

    fn input(&self) -> PathBuf {
        self.root.path().join("in")
    }

    fn output(&self) -> PathBuf {
        self.root.path().join("out")
    }
}

/// Small limits, so hostile guests hit them fast.
fn test_limits() -> Limits {
    Limits {
        memory_bytes: 64 << 20,
        wall_time: Duration::from_secs(2),
        output_bytes: 10 << 20,
        output_files: 1000,
        stdio_tail_bytes: 4096,
    }
}

fn run_module(
    module: &AppModule,
    args: &[&str],
    env: AppEnv,
    dirs: &TaskDirs,
    limits: Limits,
) -> Result<RunOutcome, SandboxError> {
    sandbox().run(&AppRun {
        module,
        args: args.iter().map(|arg| arg.to_string()).collect(),
        env,
        input_dir: dirs.input(),
        output_dir: dirs.output(),
        limits,
        determinism: None,
    })
}

/// Runs guest `name`; `None` when the guests cannot be built here (see `guests`).
fn run_guest(
    name: &str,
    args: &[&str],
    dirs: &TaskDirs,
    limits: Limits,
) -> Option<Result<RunOutcome, SandboxError>> {
    let module = sandbox().load(&guest(name)?).unwrap();
    Some(run_module(&module, args, AppEnv::default(), dirs, limits))
}

fn dir_size(dir: &Path) -> (u64, u64) {
    let mut bytes = 0;
    let mut entries = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        entries += 1;
        let metadata = entry.metadata().unwrap();
        if metadata.is_dir() {
            let (inner_bytes, inner_entries) = dir_size(&entry.path());
            bytes += inner_bytes;
            entries += inner_entries;
        } else {
            bytes += metadata.len();
        }
    }
    (bytes, entries)
}

#[test]
fn hello_reads_its_inputs_and_writes_its_result() {
    let Some(wasm) = guest("hello") else { return };
    let module = sandbox().load(&wasm).unwrap();
    assert_eq!(module.measurement(), Measurement::of(&wasm));
    assert_eq!(module.size(), wasm.len() as u64);
    let dirs = TaskDirs::new();
    let env = AppEnv {
        task_id: "0x01".into(),
        deal_id: "0x02".into(),
        input_file_names: vec!["input.txt".into()],
        requester_secrets: [(1, "s3cret".to_string())].into(),
        ..AppEnv::default()
    };
    let outcome = run_module(&module, &["arg1", "arg 2"], env, &dirs, test_limits()).unwrap();

    assert_eq!(outcome.exit_code, 0);
    assert_eq!(outcome.measurement, Measurement::of(&wasm));
    assert_eq!(
        outcome.computed.deterministic_output_path.as_deref(),
        Some("/iexec_out/result.txt")
    );
    let result = std::fs::read_to_string(dirs.output().join("result.txt")).unwrap();
    assert_eq!(
        result,
        "task=0x01 args=[\"arg1\", \"arg 2\"]\ninput.txt=THE QUICK BROWN FOX\nsecret-length=6\n"
    );
    assert_eq!(outcome.output_files, 2);
    assert_eq!(outcome.output_bytes, dir_size(&dirs.output()).0);
    assert_eq!(outcome.stdout_tail, "hello from the sandbox\n");
    assert_eq!(outcome.stderr_tail, "done\n");
}

#[test]
fn modules_are_cached_by_measurement() {
    let Some(wasm) = guest("hello") else { return };
    let first = sandbox().load(&wasm).unwrap();
    let second = sandbox().load(&wasm).unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(
        first.measurement().to_string(),
        format!("{}", Measurement::of(&wasm))
    );
    assert!(first.measurement().to_string().starts_with("0x"));
    assert_eq!(first.measurement().to_string().len(), 66);
}

#[test]
fn stdout_tails_keep_the_end() {
    let limits = Limits {
        stdio_tail_bytes: 6,
        ..test_limits()
    };
    let Some(result) = run_guest("hello", &[], &TaskDirs::new(), limits) else {
        return;
    };
    assert_eq!(result.unwrap().stdout_tail, "ndbox\n");
}

#[test]
fn an_endless_loop_times_out() {
    let limits = Limits {
        wall_time: Duration::from_millis(500),
        ..test_limits()
    };
    let Some(result) = run_guest("spin", &[], &TaskDirs::new(), limits) else {
        return;
    };
    match result {
        Err(SandboxError::Timeout { after }) => assert_eq!(after, Duration::from_millis(500)),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn a_long_sleep_times_out() {
    let limits = Limits {
        wall_time: Duration::from_millis(500),
        ..test_limits()
    };
    for clock in ["relative", "monotonic", "realtime"] {
        let Some(result) = run_guest("sleep", &[clock], &TaskDirs::new(), limits.clone()) else {
            return;
        };
        assert!(
            matches!(result, Err(SandboxError::Timeout { .. })),
            "{clock}: expected a timeout, got {result:?}"
        );
    }
}

#[test]
fn a_memory_bomb_is_out_of_memory() {
    let Some(result) = run_guest("membomb", &[], &TaskDirs::new(), test_limits()) else {
        return;
    };
    match result {
        Err(SandboxError::OutOfMemory { limit, requested }) => {
            assert_eq!(limit, 64 << 20);
            assert!(requested > limit);
        }
        other => panic!("expected out of memory, got {other:?}"),
    }
}

#[test]
fn writes_outside_iexec_out_fail_inside_the_guest() {
    let dirs = TaskDirs::new();
    let Some(result) = run_guest("escape", &[], &dirs, test_limits()) else {
        return;
    };
    // The guest exits with the number of writes that got through: 0, then it has no
    // computed.json to show.
    assert!(
        matches!(result, Err(SandboxError::MissingComputedJson)),
        "some escape succeeded: {result:?}"
    );
    let name = "confide-sandbox-escape";
    for dir in [
        dirs.root.path(),
        &dirs.input(),
        Path::new("/etc"),
        Path::new("/tmp"),
        Path::new("/"),
        &std::env::current_dir().unwrap(),
    ] {
        assert!(!dir.join(name).exists(), "{name} appeared in {dir:?}");
    }
    assert_eq!(
        std::fs::read_to_string(dirs.input().join("input.txt")).unwrap(),
        "the quick brown fox"
    );
    // Every attempt was refused inside the guest (9 paths, 5 links, 1 input opened to write).
    let report = std::fs::read_to_string(dirs.output().join("report.txt")).unwrap();
    eprintln!("{report}");
    assert_eq!(report.lines().count(), 15);
    assert!(
        report.lines().all(|line| line.contains("refused")),
        "{report}"
    );
    // Links climbing out can be made (WASI refuses to follow them, not to make them).
    for entry in std::fs::read_dir(dirs.output()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        assert!(name == "report.txt" || name.starts_with("link"), "{name}");
    }
}

#[test]
fn ten_gigabytes_of_output_stop_at_the_limit() {
    let dirs = TaskDirs::new();
    let Some(result) = run_guest("bigoutput", &[], &dirs, test_limits()) else {
        return;
    };
    match result {
        Err(SandboxError::OutputTooLarge { limit, got }) => {
            assert_eq!(limit, 10 << 20);
            assert!(got > limit);
        }
        other => panic!("expected output too large, got {other:?}"),
    }
    let (bytes, _) = dir_size(&dirs.output());
    assert!(bytes <= 10 << 20, "{bytes} bytes reached the disk");
}

#[test]
fn a_sparse_ten_gigabyte_file_is_too_large() {
    let dirs = TaskDirs::new();
    let Some(result) = run_guest("sparse", &[], &dirs, test_limits()) else {
        return;
    };
    match result {
        Err(SandboxError::OutputTooLarge { limit, got }) => {
            assert_eq!(limit, 10 << 20);
            // The sparse file's apparent size plus computed.json's few bytes.
            assert!((10_000_000_001..10_000_001_000).contains(&got), "{got}");
        }
        other => panic!("expected output too large, got {other:?}"),
    }
}

#[test]
fn a_hundred_thousand_files_stop_at_the_limit() {
    let dirs = TaskDirs::new();
    let Some(result) = run_guest("manyfiles", &[], &dirs, test_limits()) else {
        return;
    };
    match result {
        Err(SandboxError::TooManyFiles { limit, got }) => {
            assert_eq!(limit, 1000);
            assert_eq!(got, 1001);
        }
        other => panic!("expected too many files, got {other:?}"),
    }
    assert_eq!(dir_size(&dirs.output()).1, 1001);
}

#[test]
fn a_panic_is_a_trap_with_the_message_in_stderr() {
    let Some(result) = run_guest("panic", &[], &TaskDirs::new(), test_limits()) else {
        return;
    };
    match result {
        Err(SandboxError::Trap {
            message,
            stderr_tail,
        }) => {
            assert!(message.contains("unreachable"), "{message}");
            assert!(stderr_tail.contains("the guest gave up"), "{stderr_tail}");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn computed_json_must_be_there_and_valid() {
    let Some(result) = run_guest("nocomputed", &["missing"], &TaskDirs::new(), test_limits())
    else {
        return;
    };
    assert!(
        matches!(result, Err(SandboxError::MissingComputedJson)),
        "{result:?}"
    );
    for (how, reason) in [
        ("invalid", "key must be a string"),
        ("outside", "is not inside /iexec_out"),
        ("through-link", "goes through a symbolic link"),
    ] {
        let result = run_guest("nocomputed", &[how], &TaskDirs::new(), test_limits()).unwrap();
        match result {
            Err(SandboxError::BadComputedJson { reason: got }) => {
                assert!(got.contains(reason), "{how}: {got}")
            }
            other => panic!("{how}: expected a bad computed.json, got {other:?}"),
        }
    }
}

#[test]
fn a_non_zero_exit_is_reported_with_stderr() {
    let Some(result) = run_guest("nocomputed", &["exit"], &TaskDirs::new(), test_limits()) else {
        return;
    };
    match result {
        Err(SandboxError::NonZeroExit { code, stderr_tail }) => {
            assert_eq!(code, 3);
            assert_eq!(stderr_tail, "failing on purpose\n");
        }
        other => panic!("expected exit code 3, got {other:?}"),
    }
}

#[test]
fn missing_directories_are_named() {
    let Some(wasm) = guest("hello") else { return };
    let module = sandbox().load(&wasm).unwrap();
    let dirs = TaskDirs::new();
    std::fs::remove_dir(dirs.output()).unwrap();
    match run_module(&module, &[], AppEnv::default(), &dirs, test_limits()) {
        Err(SandboxError::Io { what, path, .. }) => {
            assert_eq!(what, "the output directory");
            assert_eq!(path, dirs.output());
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn dropping_a_sandbox_stops_its_ticker() {
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    drop(sandbox);
}

#[test]
fn a_sandbox_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sandbox>();
    send_sync::<AppModule>();
    // The tests of this file run their guests concurrently on one sandbox.
}
