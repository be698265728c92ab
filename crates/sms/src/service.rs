//! The SMS itself: its store, its view of the chain, its verifiers and its configuration.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use alloy_primitives::{Address, B256};
use confide_tee::{Policy, Verifier};

use crate::chain::Chain;
use crate::error::SmsError;
use crate::store::{AuditAction, AuditEntry, Store};

/// iExec's limit on a secret's size.
pub const MAX_SECRET_BYTES: usize = 4096;

/// How the SMS behaves.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// Dev mode: simulated evidence is accepted (never in production).
    pub dev_mode: bool,
    /// What hardware evidence must satisfy.
    pub policy: Policy,
    /// The largest secret accepted.
    pub max_secret_bytes: usize,
    /// The time evidence and collateral are checked at (UNIX seconds): the system clock,
    /// replaced in tests to verify recorded quotes inside their collateral's validity.
    pub clock: fn() -> u64,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            dev_mode: false,
            policy: Policy::default(),
            max_secret_bytes: MAX_SECRET_BYTES,
            clock: unix_now,
        }
    }
}

/// The Secret Management Service.
pub struct Sms {
    pub(crate) store: Store,
    pub(crate) chain: Chain,
    pub(crate) verifiers: Vec<Arc<dyn Verifier>>,
    pub(crate) config: SmsConfig,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("config", &self.config)
            .field(
                "verifiers",
                &self.verifiers.iter().map(|v| v.kind()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Sms {
    /// An SMS over `store` and `chain`, with no verifier yet (see [`Sms::with_verifier`]).
    pub fn new(store: Store, chain: Chain, config: SmsConfig) -> Self {
        Self {
            store,
            chain,
            verifiers: Vec::new(),
            config,
        }
    }

    /// Adds the verifier of one kind of evidence.
    pub fn with_verifier(mut self, verifier: Arc<dyn Verifier>) -> Self {
        self.verifiers.push(verifier);
        self
    }

    /// The store (for operators' tools and tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &SmsConfig {
        &self.config
    }

    /// Records an action in the audit log. Never given a secret value: `subject` names what
    /// was acted on.
    pub(crate) async fn audit(
        &self,
        action: AuditAction,
        actor: Option<Address>,
        task_id: Option<B256>,
        subject: String,
        outcome: Result<(), &SmsError>,
    ) -> Result<(), SmsError> {
        let outcome = match outcome {
            Ok(()) => "ok".to_owned(),
            Err(error) => error.code().to_owned(),
        };
        tracing::info!(%action, ?actor, ?task_id, %subject, %outcome, "audit");
        self.store
            .audit(AuditEntry {
                at_unix: unix_now(),
                action,
                actor,
                task_id,
                subject,
                outcome,
            })
            .await?;
        Ok(())
    }

    /// Deletes the enclave challenges of tasks past their final deadline (audited when any).
    pub async fn purge_expired_challenges(&self, now: u64) -> Result<u64, SmsError> {
        let purged = self.store.purge_challenges(now).await?;
        if purged > 0 {
            let subject = format!("{purged} enclave challenges past their final deadline");
            self.audit(AuditAction::ChallengePurge, None, None, subject, Ok(()))
                .await?;
        }
        Ok(purged)
    }
}

/// Seconds since the UNIX epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
