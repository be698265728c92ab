//! Confide's task executor: what a worker does with one task (DESIGN.md §3, §6; devtools.md
//! §2; poco.md §3.4–3.10).
//!
//! A [`TaskExecutor`] takes the scheduler's [`ExecutionRequest`] (a signed
//! `WorkerpoolAuthorization`, and the SMS URL for TEE tasks) and trusts none of it: the
//! authorization must be signed by the deal's on-chain workerpool owner (or TEE broker), the
//! task id must be the deal's, the task ACTIVE before its contribution deadline; the app,
//! dataset, params, tag, trust, category, beneficiary and callback are read from the chain.
//! Then, each step a module, each failure a [`ReplicateFailure`] with its cause:
//!
//! 1. `app`: the app's module fetched from its registered location, its SHA-256 equal to the
//!    on-chain checksum, compiled by the sandbox;
//! 2. `tee` (TEE tasks): an enclave session bound to the task, the app and the enclave
//!    challenge, attested; the SMS releases the task's secrets sealed to it (transient SMS
//!    failures retried);
//! 3. `pre_compute`: the dataset fetched, checked against its checksum and unsealed; input
//!    files; bulk slices;
//! 4. `compute`: the app in the sandbox with the `IEXEC_*` environment and secrets, the
//!    category's time limit, reproducible randomness and clocks for replicated tasks;
//! 5. `post_compute`: the result digest, a deterministic zip, encryption for the beneficiary,
//!    upload, the enclave's signature;
//! 6. `contribute`: `contributeAndFinalize` (TEE), or stake, `contribute`, consensus and
//!    `reveal` (replicated).
//!
//! The task's directory is removed when the run ends. Secrets and protected data are never
//! logged; types holding them show no value in `Debug`.
//!
//! [`WorkerAgent`] is the worker's loop on top of it: it registers with the pool's scheduler
//! ([`SchedulerClient`], signed requests), sends heartbeats, pulls assignments up to its
//! capacity, reports each milestone and hands replicated results over after the reveal.
#![forbid(unsafe_code)]

mod agent;
mod app;
mod compute;
mod config;
mod contribute;
mod error;
mod executor;
mod fetch;
mod post_compute;
mod pre_compute;
mod scheduler_client;
mod stake;
mod task;
mod tee;
#[cfg(feature = "testing")]
pub mod testing;
mod workdir;

pub use agent::{AgentConfig, AgentStatus, WorkerAgent};
pub use confide_protocol::replicate::{ReplicateCause, ReplicateFailure};
pub use config::{Backoff, ExecutorConfig, ResourcePolicy};
pub use error::ExecutorError;
pub use executor::{ExecutionRequest, Outcome, Progress, TaskExecutor};
pub use scheduler_client::{SchedulerClient, SchedulerClientError};
pub use stake::{StakeError, top_up_stake};
