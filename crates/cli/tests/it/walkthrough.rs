//! The README's walkthrough, driven as a user would: `confide dev` runs; Alice protects a CSV
//! and a JSON object, finds them, grants the stats app to Bob; Bob pays, runs it, reads the
//! decrypted result; Alice revokes and Bob is refused. Every failure a user can meet on the way
//! is one clear sentence and a non-zero exit.

use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::dev::{command, dev_args, start_dev};
use crate::e2e::stack::Service;
use crate::{assert_code, json, path, stderr, stdout};

const ALICE: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const BOB: &str = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const SALARIES: &str = "name,salary\nAda,52000\nBo,61000\nCy,48500\nDee,73000\n";

/// `confide args` with `home` as CONFIDE_HOME (where `confide dev` wrote the network file).
fn user(home: &Path, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    command(home, &args).stdin(Stdio::null()).output().unwrap()
}

/// Asserts a failure told in one sentence containing `expected` (on stderr, or as the JSON
/// document's `error` with `--json`).
fn assert_refused(output: &Output, expected: &str) {
    assert_code(output, 1);
    let text = match stderr(output) {
        text if text.is_empty() => format!("error: {}", json(output)["error"].as_str().unwrap()),
        text => text,
    };
    assert_eq!(text.trim_end().lines().count(), 1, "not one line: {text}");
    assert!(
        text.starts_with("error: ") && text.contains(expected),
        "{text}"
    );
}

fn addresses(output: &Output) -> Vec<String> {
    json(output)
        .as_array()
        .unwrap()
        .iter()
        .map(|data| data["address"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_user_protects_grants_processes_reads_and_revokes_on_confide_dev() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // No stack yet: the commands say to start one.
    assert_refused(
        &user(&home, &["data", "list"]),
        "start the local stack with `confide dev`",
    );
    // The stack without workers; one worker joins it as its own process, configured by the
    // network file `confide dev` wrote.
    let mut args = dev_args(&dir.path().join("dev"));
    let workers = args.iter().position(|arg| arg == "--workers").unwrap();
    args[workers + 1] = "0".to_owned();
    let dev = start_dev(&home, &args, &dir.path().join("dev.log"));
    let network = home.join("network.json");
    let work_dir = dir.path().join("worker");
    let _worker = Service::start(
        dir.path(),
        "worker",
        [
            "worker",
            "--network",
            path(&network),
            "--dev-account",
            "5",
            "--tee",
            "sim",
        ]
        .into_iter()
        .chain(["--listen", "127.0.0.1:0", "--work-dir", path(&work_dir)])
        .map(str::to_owned)
        .collect(),
    );
    let info = user(
        &home,
        &["--json", "chain", "info", "--network", path(&network)],
    );
    assert_code(&info, 0);
    assert_eq!(json(&info)["chainId"], 31337);

    let csv = dir.path().join("salaries.csv");
    std::fs::write(&csv, SALARIES).unwrap();
    let protected = user(
        &home,
        &["--json", "data", "protect", path(&csv), "--account", "2"],
    );
    assert_code(&protected, 0);
    let data = json(&protected)["address"].as_str().unwrap().to_owned();
    assert_eq!(json(&protected)["name"], "salaries.csv");
    let object = r#"{"email":"alice@example.com","age":42}"#;
    let protected = user(
        &home,
        &[
            "data",
            "protect",
            "--json",
            object,
            "--name",
            "contact",
            "--account",
            "2",
        ],
    );
    assert_code(&protected, 0);
    assert!(
        stdout(&protected).starts_with("Protected 0x"),
        "{}",
        stdout(&protected)
    );

    let mine = user(&home, &["--json", "data", "list", "--owner", ALICE]);
    assert_code(&mine, 0);
    assert_eq!(addresses(&mine).len(), 2);
    assert!(addresses(&mine).contains(&data));
    let emails = user(
        &home,
        &["--json", "data", "list", "--schema", "email:string"],
    );
    assert_code(&emails, 0);
    assert_eq!(addresses(&emails).len(), 1);
    assert!(!addresses(&emails).contains(&data));

    let grant = [
        "data",
        "grant",
        &data,
        "--app",
        "stats",
        "--user",
        BOB,
        "--price",
        "2RLC",
        "--uses",
        "3",
        "--account",
        "2",
    ];
    assert_code(&user(&home, &grant), 0);
    let access = user(&home, &["--json", "data", "access", &data]);
    assert_code(&access, 0);
    let access = json(&access);
    assert_eq!(access.as_array().unwrap().len(), 1);
    assert_eq!(access[0]["remainingAccess"], "3");
    assert_eq!(
        access[0]["order"]["requesterrestrict"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        BOB.to_lowercase()
    );

    let process = [
        "--json",
        "data",
        "process",
        &data,
        "--app",
        "stats",
        "--args",
        "salary",
        "--max-price",
        "3RLC",
        // Pushed to the SMS and released to the task's enclave (stats does not read it).
        "--secret",
        "api=hunter2",
        "--wait",
        "--account",
        "4",
    ];
    // Bob has deposited nothing yet.
    assert_refused(&user(&home, &process), "insufficient balance");
    assert_code(
        &user(&home, &["account", "deposit", "10RLC", "--account", "4"]),
        0,
    );
    let processed = user(&home, &process);
    assert_code(&processed, 0);
    let processed = json(&processed);
    assert_eq!(processed["status"], "COMPLETED");
    let task = processed["taskId"].as_str().unwrap().to_owned();

    let out = dir.path().join("result");
    assert_code(
        &user(
            &home,
            &[
                "result",
                "get",
                &task,
                "--out",
                path(&out),
                "--account",
                "4",
            ],
        ),
        0,
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("result.json")).unwrap()).unwrap();
    assert_eq!(summary["column"], "salary");
    assert_eq!(summary["count"], 4);
    assert_eq!(summary["mean"], 58625);
    assert_eq!(summary["median"], 56500);
    let shown = user(&home, &["--json", "task", "show", &task]);
    assert_code(&shown, 0);
    assert_eq!(json(&shown)["status"], "COMPLETED");
    // Alice's key does not open Bob's result.
    let foreign = user(
        &home,
        &[
            "result",
            "get",
            &task,
            "--out",
            path(&dir.path().join("x")),
            "--account",
            "2",
        ],
    );
    assert_code(&foreign, 1);

    assert_code(
        &user(&home, &["data", "revoke", &data, "--all", "--account", "2"]),
        0,
    );
    let access = user(&home, &["--json", "data", "access", &data]);
    assert_eq!(json(&access).as_array().unwrap().len(), 0);
    assert_refused(&user(&home, &process), "no access to protected data");

    // What users get wrong, each told in one sentence.
    let unknown = format!("0x{}", "ab".repeat(32));
    assert_refused(&user(&home, &["task", "show", &unknown]), "does not exist");
    assert_refused(
        &user(
            &home,
            &["data", "process", &data, "--app", "nope", "--account", "4"],
        ),
        "neither an address nor an app",
    );
    assert_refused(
        &user(
            &home,
            &["data", "grant", BOB, "--app", "stats", "--account", "2"],
        ),
        "is not a protected data",
    );
    let malformed = user(&home, &["data", "grant", "0x12", "--app", "stats"]);
    assert_code(&malformed, 2);
    assert!(
        stderr(&malformed).contains("invalid value '0x12'"),
        "{}",
        stderr(&malformed)
    );
    assert_refused(
        &user(
            &home,
            &["account", "withdraw", "1000000RLC", "--account", "4"],
        ),
        "insufficient balance",
    );

    dev.stop("TERM");
    // The stack is gone: one sentence again.
    assert_refused(&user(&home, &["data", "list"]), "does not answer");
}
