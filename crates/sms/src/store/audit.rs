//! The audit log: who did what to which secret or task, and how it ended. Entries have no byte
//! field, so no secret value can be logged through them.

use alloy_primitives::{Address, B256};
use std::fmt;
use std::str::FromStr;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    SecretCreate,
    SecretUpdate,
    /// Secrets released to an attested enclave.
    Release,
    /// A release request refused (the outcome says why).
    ReleaseRefused,
    ChallengeCreate,
    ChallengePurge,
}

impl AuditAction {
    pub const ALL: [AuditAction; 6] = [
        AuditAction::SecretCreate,
        AuditAction::SecretUpdate,
        AuditAction::Release,
        AuditAction::ReleaseRefused,
        AuditAction::ChallengeCreate,
        AuditAction::ChallengePurge,
    ];

    /// The stored text, e.g. `secret.create`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SecretCreate => "secret.create",
            AuditAction::SecretUpdate => "secret.update",
            AuditAction::Release => "release",
            AuditAction::ReleaseRefused => "release.refused",
            AuditAction::ChallengeCreate => "challenge.create",
            AuditAction::ChallengePurge => "challenge.purge",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that names no audit action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action {0:?}")]
pub struct UnknownAuditAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAuditAction;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| UnknownAuditAction(text.to_owned()))
    }
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_unix: u64,
    pub action: AuditAction,
    /// The account that asked (request signer, worker, workerpool owner), when known.
    pub actor: Option<Address>,
    pub task_id: Option<B256>,
    /// What it was about: a secret id's text (`SecretId`'s `Display`), never a value.
    pub subject: String,
    /// `ok`, or an error code.
    pub outcome: String,
}
