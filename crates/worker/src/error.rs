//! Errors: [`ExecutorError`] for a configuration the executor cannot work with, and the
//! failure of one step of a task (a [`ReplicateCause`] and a message, turned into the
//! protocol's `ReplicateFailure` by the executor).

use alloy_primitives::Address;
use confide_protocol::replicate::ReplicateCause;
use std::fmt::Display;
use std::path::PathBuf;

/// Why a [`crate::TaskExecutor`] cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecutorError {
    /// The chain client cannot sign for the worker.
    #[error("the chain client does not sign for the worker {0}")]
    ChainCannotSign(Address),
    /// The work directory cannot be created.
    #[error("cannot create the work directory {path:?}: {source}")]
    WorkDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP client cannot be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Why a step of a task failed: the cause reported, and a message that names no secret and no
/// protected data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) cause: ReplicateCause,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(cause: ReplicateCause, message: impl Into<String>) -> Self {
        Self {
            cause,
            message: message.into(),
        }
    }
}

/// The result of a step.
pub(crate) type Step<T> = Result<T, Failure>;

/// `result.or_fail(cause, "what was being done")`: any displayable error becomes a failure
/// with that cause.
pub(crate) trait OrFail<T> {
    fn or_fail(self, cause: ReplicateCause, doing: &str) -> Step<T>;
}

impl<T, E: Display> OrFail<T> for Result<T, E> {
    fn or_fail(self, cause: ReplicateCause, doing: &str) -> Step<T> {
        self.map_err(|error| Failure::new(cause, format!("{doing}: {error}")))
    }
}

/// A blocking task that panicked or was cancelled: the worker's fault.
pub(crate) fn join_failure(error: tokio::task::JoinError) -> Failure {
    Failure::new(
        ReplicateCause::WorkerFailure,
        format!("a worker thread failed: {error}"),
    )
}
