//! Exit codes that mean something to scripts.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | error: unreadable or malformed input, I/O failure |
//! | 2 | usage error (bad flags), from clap |
//! | 3 | check failed: a signature is not by the expected signer, sealed data does not
//! |   | authenticate, a key is wrong |

use std::fmt;

/// An error meaning "the input was read fine, but the check it was submitted to failed", with
/// what the check found (shown as `details` in JSON output).
#[derive(Debug)]
pub(crate) struct CheckFailed(
    pub(crate) anyhow::Error,
    pub(crate) Option<serde_json::Value>,
);

impl fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for CheckFailed {}

/// Exit code for a check that failed.
pub(crate) const CHECK_FAILED: u8 = 3;

/// The process exit code for `error`.
pub(crate) fn code_of(error: &anyhow::Error) -> u8 {
    if error.chain().any(|cause| cause.is::<CheckFailed>()) {
        CHECK_FAILED
    } else {
        1
    }
}

/// Marks an error as a failed check (exit code 3).
pub(crate) fn check_failed(error: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(CheckFailed(error.into(), None))
}

/// A failed check (exit code 3) with what it found, for JSON output.
pub(crate) fn check_failed_with(
    error: impl Into<anyhow::Error>,
    details: serde_json::Value,
) -> anyhow::Error {
    anyhow::Error::new(CheckFailed(error.into(), Some(details)))
}

/// The details of the failed check in `error`'s chain, if any.
pub(crate) fn details_of(error: &anyhow::Error) -> Option<&serde_json::Value> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<CheckFailed>())
        .and_then(|failed| failed.1.as_ref())
}
