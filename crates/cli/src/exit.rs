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

/// An error meaning "the input was read fine, but the check it was submitted to failed".
#[derive(Debug)]
pub(crate) struct CheckFailed(pub(crate) anyhow::Error);

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
    anyhow::Error::new(CheckFailed(error.into()))
}
