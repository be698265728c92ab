//! Why a module is refused or a run fails.

use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::Sandbox`] can refuse or report. Limits carry the limit that was hit and,
/// where the host knows it, what the guest reached.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The module is larger than the sandbox accepts.
    #[error("the module is {got} bytes, above the {limit}-byte limit")]
    ModuleTooLarge {
        /// Largest accepted module, bytes.
        limit: u64,
        /// The module's size.
        got: u64,
    },
    /// The bytes are not a WebAssembly binary module (wrong magic or version; text is refused).
    #[error("not a WebAssembly binary module (expected `\\0asm` version 1)")]
    NotWasm,
    /// wasmtime refused the module (validation or compilation).
    #[error("invalid module: {message}")]
    InvalidModule {
        /// wasmtime's reason.
        message: String,
    },
    /// The module imports something the sandbox does not provide: only the functions of
    /// `wasi_snapshot_preview1` are.
    #[error(
        "the module imports `{module}::{name}`; only wasi_snapshot_preview1 functions are provided"
    )]
    ForbiddenImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// The module lacks an export a WASI command must have (`_start`, `memory`).
    #[error("the module does not export `{name}` as a WASI command must")]
    MissingExport {
        /// The missing export.
        name: &'static str,
    },
    /// The guest trapped (unreachable, out-of-bounds access, stack overflow, abort on panic...).
    #[error("the app trapped: {message}")]
    Trap {
        /// wasmtime's description of the trap.
        message: String,
        /// The end of what the app wrote to stderr.
        stderr_tail: String,
    },
    /// The run reached its wall-time limit and was interrupted.
    #[error("the app ran longer than its {after:?} wall-time limit")]
    Timeout {
        /// The limit.
        after: Duration,
    },
    /// The guest asked for more linear memory than its limit (and did not recover).
    #[error("the app needed {requested} bytes of memory, above its {limit}-byte limit")]
    OutOfMemory {
        /// The limit, bytes.
        limit: u64,
        /// The memory size the guest asked for, bytes.
        requested: u64,
    },
    /// The guest wrote (or tried to write) more than the output limit into `iexec_out`.
    #[error("the app's output reached {got} bytes, above its {limit}-byte limit")]
    OutputTooLarge {
        /// The limit, bytes.
        limit: u64,
        /// Bytes written or requested when it was stopped (or found after the run).
        got: u64,
    },
    /// The guest created more files and directories in `iexec_out` than its limit.
    #[error("the app created {got} entries in iexec_out, above its limit of {limit}")]
    TooManyFiles {
        /// The limit.
        limit: u64,
        /// Entries found when it was stopped.
        got: u64,
    },
    /// The app exited with a non-zero code.
    #[error("the app exited with code {code}")]
    NonZeroExit {
        /// The exit code.
        code: i32,
        /// The end of what the app wrote to stderr.
        stderr_tail: String,
    },
    /// The app exited successfully without writing `/iexec_out/computed.json`.
    #[error("the app did not write /iexec_out/computed.json")]
    MissingComputedJson,
    /// `/iexec_out/computed.json` is not what the protocol expects.
    #[error("bad computed.json: {reason}")]
    BadComputedJson {
        /// What is wrong with it.
        reason: String,
    },
    /// A host directory of the run is missing or unusable.
    #[error("{what} {path:?}: {source}")]
    Io {
        /// Which directory or file.
        what: &'static str,
        /// Its host path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The host failed to set up or run the guest (not the guest's fault).
    #[error("sandbox host failure: {message}")]
    Host {
        /// The failure.
        message: String,
    },
}

impl SandboxError {
    pub(crate) fn host(error: impl std::fmt::Display) -> Self {
        Self::Host {
            message: error.to_string(),
        }
    }
}
