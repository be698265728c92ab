//! Compute (devtools.md §2.4): the app runs in the sandbox with the task's `IEXEC_*`
//! environment and secrets, its arguments from `iexec_args` (split like a shell), the wall time
//! of the deal's category, the worker's other limits, and reproducible randomness and clocks
//! for replicated tasks (honest workers must agree bit for bit).

use crate::config::ResourcePolicy;
use crate::error::{Failure, Step, join_failure};
use crate::pre_compute::Inputs;
use crate::task::TaskFacts;
use crate::tee::TeeSecrets;
use crate::workdir::TaskDir;
use confide_protocol::consensus::Category;
use confide_protocol::replicate::ReplicateCause;
use confide_sandbox::{
    AppEnv, AppModule, AppRun, Determinism, Limits, RunOutcome, Sandbox, SandboxError,
};
use std::sync::Arc;
use std::time::Duration;

/// Splits a command line like a POSIX shell does words: blanks separate; `'…'` keeps
/// everything literally; `"…"` keeps everything but `\"`, `\\`, `\$` and `` \` ``, which
/// lose their backslash; outside quotes a backslash keeps the next character. No expansion.
pub(crate) fn split_args(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => current.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => current.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("a trailing backslash".into()),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// The app's environment: the task's ids, its input names and, for TEE tasks, its secrets.
pub(crate) fn app_env(facts: &TaskFacts, inputs: &Inputs, secrets: Option<&TeeSecrets>) -> AppEnv {
    let mut extra = Vec::new();
    if !inputs.bulk_datasets.is_empty() {
        extra.push((
            "IEXEC_BULK_SLICE_SIZE".to_owned(),
            inputs.bulk_datasets.len().to_string(),
        ));
        for (index, name) in inputs.bulk_datasets.iter().enumerate() {
            extra.push((
                format!("IEXEC_DATASET_{}_FILENAME", index + 1),
                name.clone(),
            ));
        }
    }
    let released = secrets.map(|secrets| &secrets.released);
    AppEnv {
        task_id: facts.task_id.to_string(),
        deal_id: facts.task.dealid.to_string(),
        task_index: facts.index(),
        bot_size: facts.deal.botSize.saturating_to(),
        bot_first_index: facts.deal.botFirst.saturating_to(),
        dataset: inputs.dataset.clone(),
        input_file_names: inputs.input_files.clone(),
        app_developer_secret: released.and_then(|released| released.app_developer_secret.clone()),
        requester_secrets: released
            .map(|released| released.requester_secrets.clone())
            .unwrap_or_default(),
        extra,
    }
}

/// The run's limits: the category's wall time (the task record's time reference), the
/// worker's memory and output limits.
pub(crate) fn limits(facts: &TaskFacts, policy: &ResourcePolicy) -> Limits {
    let category = Category {
        name: "deal",
        work_clock_time_ref: facts.time_ref(),
    };
    Limits {
        memory_bytes: policy.memory_bytes,
        output_bytes: policy.output_bytes,
        output_files: policy.output_files,
        ..Limits::for_category(&category)
    }
}

/// Replicated tasks run reproducibly: random bytes seeded with the task id, clocks starting at
/// the deal's start.
pub(crate) fn determinism(facts: &TaskFacts) -> Option<Determinism> {
    (!facts.tee).then(|| Determinism {
        random_seed: facts.task_id.0,
        wall_clock: Duration::from_secs(facts.deal.startTime.saturating_to()),
    })
}

/// Runs the app; its outputs are in `dir.output()`.
pub(crate) async fn run(
    sandbox: &Arc<Sandbox>,
    module: &Arc<AppModule>,
    facts: &TaskFacts,
    inputs: &Inputs,
    secrets: Option<&TeeSecrets>,
    policy: &ResourcePolicy,
    dir: &TaskDir,
) -> Step<RunOutcome> {
    let args =
        split_args(facts.params.iexec_args.as_deref().unwrap_or_default()).map_err(|error| {
            Failure::new(
                ReplicateCause::PreComputeInvalidParams,
                format!("iexec_args: {error}"),
            )
        })?;
    let env = app_env(facts, inputs, secrets);
    let limits = limits(facts, policy);
    let determinism = determinism(facts);
    let (sandbox, module) = (Arc::clone(sandbox), Arc::clone(module));
    let (input_dir, output_dir) = (dir.input(), dir.output());
    tokio::task::spawn_blocking(move || {
        sandbox.run(&AppRun {
            module: &module,
            args,
            env,
            input_dir,
            output_dir,
            limits,
            determinism,
        })
    })
    .await
    .map_err(join_failure)?
    .map_err(run_failure)
}

/// The cause of a failed run. The app's stderr is not repeated: it may show protected data.
fn run_failure(error: SandboxError) -> Failure {
    let cause = match &error {
        SandboxError::Timeout { .. } => ReplicateCause::AppComputeTimeout,
        SandboxError::OutOfMemory { .. }
        | SandboxError::OutputTooLarge { .. }
        | SandboxError::TooManyFiles { .. } => ReplicateCause::AppResourceLimit,
        SandboxError::Trap { .. } | SandboxError::NonZeroExit { .. } => {
            ReplicateCause::AppComputeFailed
        }
        SandboxError::MissingComputedJson | SandboxError::BadComputedJson { .. } => {
            ReplicateCause::PostComputeComputedFileNotFound
        }
        SandboxError::ModuleTooLarge { .. }
        | SandboxError::NotWasm
        | SandboxError::InvalidModule { .. }
        | SandboxError::ForbiddenImport { .. }
        | SandboxError::MissingExport { .. } => ReplicateCause::AppInvalid,
        _ => ReplicateCause::WorkerFailure,
    };
    let message = match &error {
        SandboxError::Trap { message, .. } => format!("the app trapped: {message}"),
        other => other.to_string(),
    };
    Failure::new(cause, message)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn args_split_like_a_shell() {
        assert_eq!(
            split_args(r#"--name "Ann Lee" 'it''s' a\ b  "q\"uote" "x\y" """#).unwrap(),
            ["--name", "Ann Lee", "its", "a b", "q\"uote", "x\\y", ""]
        );
        assert_eq!(split_args("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split_args("--delay-ms 20").unwrap(), ["--delay-ms", "20"]);
        assert!(split_args("'open").is_err());
        assert!(split_args("\"open").is_err());
        assert!(split_args("trailing\\").is_err());
    }

    #[test]
    fn sandbox_errors_map_to_causes() {
        let cause = |error| run_failure(error).cause;
        assert_eq!(
            cause(SandboxError::Timeout {
                after: Duration::from_secs(1)
            }),
            ReplicateCause::AppComputeTimeout
        );
        assert_eq!(
            cause(SandboxError::NonZeroExit {
                code: 1,
                stderr_tail: "secret".into()
            }),
            ReplicateCause::AppComputeFailed
        );
        assert_eq!(
            cause(SandboxError::OutOfMemory {
                limit: 1,
                requested: 2
            }),
            ReplicateCause::AppResourceLimit
        );
        assert_eq!(
            cause(SandboxError::MissingComputedJson),
            ReplicateCause::PostComputeComputedFileNotFound
        );
        assert_eq!(cause(SandboxError::NotWasm), ReplicateCause::AppInvalid);
        let trap = run_failure(SandboxError::Trap {
            message: "unreachable".into(),
            stderr_tail: "the protected name".into(),
        });
        assert!(!trap.message.contains("protected"), "{}", trap.message);
    }
}
