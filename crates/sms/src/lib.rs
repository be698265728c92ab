//! Confide's Secret Management Service (devtools.md §3, DESIGN.md §6).
//!
//! Data owners push dataset keys, app developers their app secret, requesters and
//! beneficiaries their secrets (each push signed by the account that owns the secret, on-chain
//! where it applies). Secrets are encrypted at rest under a master key ([`store`]). They leave
//! the SMS only for an attested enclave of an active task, sealed to the enclave's session key
//! ([`release`]). Every push, release and refusal is audit-logged, without values.
#![forbid(unsafe_code)]

pub mod api;
pub mod chain;
pub mod client;
mod error;
pub mod release;
mod service;
pub mod store;

pub use api::{OPENAPI, SmsServer, router, serve};
pub use client::{SmsClient, SmsClientError};
pub use error::{Refusal, SmsError};
pub use release::{ReleasedSecrets, SessionRequest, SessionResponse};
pub use service::{MAX_SECRET_BYTES, Sms, SmsConfig, unix_now};
