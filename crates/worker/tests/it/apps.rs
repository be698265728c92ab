//! The example iApp `stats` (apps/dist/stats.wasm): in the sandbox on a serialized protected
//! CSV file, and as a TEE task on a sealed one, through the executor.

use crate::world::{World, result_file, tee_terms, test_policy};
use confide_crypto::protected_data::{DataObject, serialize};
use confide_crypto::result::{ResultDecryptionKey, ResultLimits, ResultSecretKey, decrypt_result};
use confide_crypto::seal::{SealFormat, SealKey};
use confide_sandbox::{AppEnv, AppRun, Limits, Sandbox, SandboxConfig, SandboxError};
use confide_worker::Outcome;

/// Salaries, with quoted fields holding commas and quotes.
const SALARIES: &str = "name,team,salary\r\n\
\"Doe, Jane\",eng,52000\r\n\
\"Roe, \"\"Rich\"\"\",ops,61000.5\r\n\
Ann,eng,48000\r\n\
Bob,\"ops, night\",70500\r\n";

/// Their summary; the figures are those of Python's statistics.fmean, median and pstdev.
const SALARIES_SUMMARY: &str = "{\"column\":\"salary\",\"count\":4,\"mean\":57875.125,\
\"median\":56500.25,\"stddev\":8677.42221497116,\"min\":48000,\"max\":70500}\n";

/// A DataProtector protected file: `{"file": <bytes>}`, serialized.
fn protected_file(bytes: &[u8]) -> Vec<u8> {
    let mut data = DataObject::new();
    data.insert("file", bytes.to_vec());
    serialize(&data).unwrap().0
}

/// Runs stats.wasm with `args` on the protected data `protected`; its `result.json`.
fn run_stats(sandbox: &Sandbox, protected: &[u8], args: &[&str]) -> Result<String, SandboxError> {
    let module = sandbox.load(&confide_worker::testing::stats_app()).unwrap();
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let dataset = "0x00000000000000000000000000000000000000d5";
    std::fs::write(input.path().join(dataset), protected).unwrap();
    sandbox.run(&AppRun {
        module: &module,
        args: args.iter().map(|arg| arg.to_string()).collect(),
        env: AppEnv {
            dataset: Some(dataset.into()),
            ..AppEnv::default()
        },
        input_dir: input.path().to_owned(),
        output_dir: output.path().to_owned(),
        limits: Limits::default(),
        determinism: None,
    })?;
    assert_eq!(
        std::fs::read_to_string(output.path().join("computed.json")).unwrap(),
        r#"{"deterministic-output-path":"/iexec_out/result.json"}"#
    );
    Ok(std::fs::read_to_string(output.path().join("result.json")).unwrap())
}

/// The one line stats.wasm printed on stderr before exiting with code 1.
fn refusal(sandbox: &Sandbox, csv: &[u8], args: &[&str]) -> String {
    match run_stats(sandbox, &protected_file(csv), args) {
        Err(SandboxError::NonZeroExit { code, stderr_tail }) => {
            assert_eq!(code, 1);
            assert_eq!(stderr_tail.lines().count(), 1, "{stderr_tail}");
            stderr_tail.trim_end().to_owned()
        }
        other => panic!(
            "stats refuses {:?}: {other:?}",
            String::from_utf8_lossy(csv)
        ),
    }
}

#[test]
fn stats_summarizes_a_protected_csv_column_in_the_sandbox() {
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let protected = protected_file(SALARIES.as_bytes());
    let summary = run_stats(&sandbox, &protected, &["salary"]).unwrap();
    assert_eq!(summary, SALARIES_SUMMARY);
    let json: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(json["mean"], 57875.125);
    // The same input gives the same bytes, and --column names the column too.
    assert_eq!(
        run_stats(&sandbox, &protected, &["--column", "salary"]).unwrap(),
        summary
    );
}

#[test]
fn stats_refuses_hostile_input_with_one_line() {
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let salaries = SALARIES.as_bytes();
    assert_eq!(
        refusal(&sandbox, salaries, &["wage"]),
        "stats: no column \"wage\" in the header (columns: name, team, salary)"
    );
    assert_eq!(
        refusal(&sandbox, salaries, &[]),
        "stats: name the numeric column: stats <column> (or --column <column>)"
    );
    assert_eq!(
        refusal(&sandbox, salaries, &["team"]),
        "stats: line 2: \"eng\" in column \"team\" is not a finite number"
    );
    assert_eq!(
        refusal(
            &sandbox,
            b"name,salary\nAnn,1\n\"B\nob\",2\nCy,NaN\n",
            &["salary"]
        ),
        "stats: line 5: \"NaN\" in column \"salary\" is not a finite number"
    );
    assert_eq!(
        refusal(&sandbox, b"name,salary\n", &["salary"]),
        "stats: the column has no values (no data rows)"
    );
    assert_eq!(
        refusal(&sandbox, b"name,salary\nAnn,1\nBob,2,3\n", &["salary"]),
        "stats: line 3: 3 fields where the header has 2"
    );
    assert_eq!(
        refusal(&sandbox, b"salary\n\"1\n", &["salary"]),
        "stats: line 2: a quoted field has no closing quote"
    );
    assert_eq!(
        refusal(&sandbox, b"salary\n\xff\n", &["salary"]),
        "stats: the CSV is not UTF-8 text (bad byte at offset 7)"
    );
    let oversized = vec![b'1'; (64 << 20) + 1];
    assert_eq!(
        refusal(&sandbox, &oversized, &["salary"]),
        "stats: the `file` field of the protected data is larger than 67108864 bytes"
    );

    let mut not_a_file = DataObject::new();
    not_a_file.insert("email", "ann@example.com");
    let Err(SandboxError::NonZeroExit { stderr_tail, .. }) =
        run_stats(&sandbox, &serialize(&not_a_file).unwrap().0, &["salary"])
    else {
        panic!("stats refuses protected data without a file");
    };
    assert_eq!(
        stderr_tail.trim_end(),
        "stats: the protected data has no `file` field: protect the CSV as a file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tee_task_summarizes_a_sealed_csv_for_its_beneficiary_only() {
    let Some(world) = World::start().await else {
        return;
    };
    let stats = confide_worker::testing::stats_app();
    let app = world
        .register_module(stats.clone(), crate::world::sha256(&stats))
        .await;
    let key = SealKey::generate().unwrap();
    let mut data = DataObject::new();
    data.insert("file", SALARIES.as_bytes().to_vec());
    let dataset = world
        .protect_object(&data, &key, SealFormat::Confide, None)
        .await;
    world.push_dataset_key(dataset, &key).await;
    let beneficiary_key = ResultDecryptionKey::X25519(ResultSecretKey::generate().unwrap());
    world.push_result_key(&beneficiary_key).await;

    let deal = world
        .deal(
            app,
            Some(dataset),
            &tee_terms(r#"{"iexec_args":"salary","iexec_result_encryption":true}"#),
        )
        .await;
    world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let executor = world.executor(&worker, true, test_policy()).await;
    let request = world.request(deal, 0, worker.address(), true).await;
    let outcome = executor.execute(&request).await.unwrap();
    let Outcome::Completed { results, .. } = outcome else {
        panic!("the stats task completes: {outcome:?}");
    };

    let encrypted = world.fetch_results(&results).await;
    assert!(
        !encrypted.windows(5).any(|window| window == b"70500"),
        "the stored result is encrypted"
    );
    let mut zip = Vec::new();
    decrypt_result(
        encrypted.as_slice(),
        &beneficiary_key,
        &mut zip,
        &ResultLimits::default(),
    )
    .unwrap();
    assert_eq!(result_file(&zip, "result.json"), SALARIES_SUMMARY);
}
