//! Confide's iApp runtime: a `wasm32-wasip1` app runs under wasmtime with the task's
//! `IEXEC_*` environment (devtools.md §2.4), `/iexec_in` read-only and `/iexec_out` writable,
//! no network (WASI preview 1 has no sockets, and none are granted), and limits: linear memory
//! (a resource limiter), wall time (epoch interruption, plus a bound on sleeps), output bytes
//! and entries (accounted in the WASI calls that write, see `guard`). The app must leave a
//! valid `computed.json`. A module's measurement is the SHA-256 of its bytes. A run can be
//! made reproducible ([`Determinism`]: seeded random bytes, virtual clocks, canonical NaNs).
//!
//! ```no_run
//! # fn main() -> Result<(), confide_sandbox::SandboxError> {
//! use confide_sandbox::{AppEnv, AppRun, Limits, Sandbox, SandboxConfig};
//! let sandbox = Sandbox::new(SandboxConfig::default())?;
//! let module = sandbox.load(&std::fs::read("app.wasm").unwrap_or_default())?;
//! let outcome = sandbox.run(&AppRun {
//!     module: &module,
//!     args: vec![],
//!     env: AppEnv::default(),
//!     input_dir: "task/in".into(),
//!     output_dir: "task/out".into(),
//!     limits: Limits::default(),
//!     determinism: None,
//! })?;
//! println!("{:?}", outcome.computed.deterministic_output_path);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod clock;
mod env;
mod error;
mod guard;
mod limits;
mod module;
mod run;
mod sandbox;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Determinism, VIRTUAL_TICK};
pub use env::{AppEnv, IEXEC_IN, IEXEC_OUT};
pub use error::SandboxError;
pub use limits::Limits;
pub use module::{AppModule, Measurement, WASI_MODULE};
pub use run::RunOutcome;
pub use sandbox::{AppRun, Sandbox, SandboxConfig};
