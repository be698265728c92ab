//! The TEE session of a task: an enclave session key bound to the task, the app and the
//! enclave challenge, attested; the SMS checks it all and releases the task's secrets sealed
//! to that key.

use crate::config::{Backoff, Retried};
use crate::error::{Failure, Step, join_failure};
use crate::task::TaskFacts;
use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use confide_protocol::SignedOrder;
use confide_protocol::order::DatasetOrder;
use confide_protocol::replicate::ReplicateCause;
use confide_sms::release::RESULT_ENCRYPTION_KEY_NAME;
use confide_sms::{ReleasedSecrets, SessionRequest, SmsClient, SmsClientError};
use confide_tee::Attester;
use confide_tee::session::EnclaveSession;
use std::fmt;
use std::sync::Arc;

/// What the SMS released, opened inside the worker's enclave.
pub(crate) struct TeeSecrets {
    pub(crate) released: ReleasedSecrets,
    /// The task's enclave challenge key: signs the result.
    pub(crate) challenge: PrivateKeySigner,
}

/// Never shows a key.
impl fmt::Debug for TeeSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeeSecrets")
            .field("released", &self.released)
            .field("challenge", &self.challenge.address())
            .finish()
    }
}

/// Opens the task's session with the SMS at `sms_url` and returns the released secrets.
pub(crate) async fn open_session(
    facts: &TaskFacts,
    app_digest: B256,
    attester: &Arc<dyn Attester>,
    worker: &PrivateKeySigner,
    sms_url: &str,
    dataset_orders: Vec<SignedOrder<DatasetOrder>>,
    backoff: &Backoff,
) -> Step<TeeSecrets> {
    let session_failed = |message: String| Failure::new(ReplicateCause::TeeSessionFailed, message);
    let authorization = &facts.authorization;
    let session = EnclaveSession::new(facts.task_id, app_digest, authorization.enclave_challenge)
        .map_err(|error| {
        session_failed(format!("cannot create the enclave session: {error}"))
    })?;
    let report_data = session.report_data();
    let attester = Arc::clone(attester);
    // Quote generation may go through the kernel (configfs-tsm): off the async threads.
    let evidence = tokio::task::spawn_blocking(move || attester.attest(&report_data))
        .await
        .map_err(join_failure)?
        .map_err(|error| session_failed(format!("cannot attest the enclave session: {error}")))?;
    let request = SessionRequest {
        authorization: authorization.clone(),
        binding: session.binding().clone(),
        evidence,
        dataset_orders,
    };
    let client =
        SmsClient::new(sms_url).map_err(|error| session_failed(format!("bad SMS URL: {error}")))?;
    let response = backoff
        .retry("an SMS session", || async {
            client
                .open_session(worker, &request)
                .await
                .map_err(classify)
        })
        .await
        .map_err(|error| refusal_failure(error.into_inner()))?;
    let released = response
        .open(&session)
        .map_err(|error| session_failed(format!("cannot open the released secrets: {error}")))?;
    if released.task_id != facts.task_id {
        return Err(session_failed(format!(
            "the SMS released the secrets of task {}",
            released.task_id
        )));
    }
    let challenge: PrivateKeySigner = released
        .enclave_challenge_key
        .parse()
        .map_err(|_| session_failed("the released enclave challenge key is invalid".into()))?;
    if challenge.address() != authorization.enclave_challenge {
        return Err(session_failed(format!(
            "the released challenge key is {}'s, the authorization names {}",
            challenge.address(),
            authorization.enclave_challenge
        )));
    }
    Ok(TeeSecrets {
        released,
        challenge,
    })
}

/// An SMS that cannot be reached or fails (5xx, a chain it cannot read) may be back soon; a
/// refusal (4xx) is final.
fn classify(error: SmsClientError) -> Retried<SmsClientError> {
    match &error {
        SmsClientError::Http(_) => Retried::Transient(error),
        SmsClientError::Refused { status, .. } if *status >= 500 || *status == 429 => {
            Retried::Transient(error)
        }
        _ => Retried::Permanent(error),
    }
}

/// The cause of a final SMS answer: a missing result-encryption key is the beneficiary's
/// (the task's) fault; anything else is the session's.
fn refusal_failure(error: SmsClientError) -> Failure {
    if let SmsClientError::Refused { code, message, .. } = &error
        && code == "MISSING_SECRET"
        && message.contains("result-encryption key")
    {
        return Failure::new(
            ReplicateCause::PostComputeEncryptionPublicKeyMissing,
            format!(
                "the deal asks for an encrypted result and the beneficiary has no \
                 {RESULT_ENCRYPTION_KEY_NAME} secret in the SMS: {message}"
            ),
        );
    }
    Failure::new(
        ReplicateCause::TeeSessionFailed,
        format!("the SMS did not release the task's secrets: {error}"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let challenge = PrivateKeySigner::random();
        let key_hex = alloy_primitives::hex::encode(challenge.to_bytes());
        let secrets = TeeSecrets {
            released: ReleasedSecrets {
                task_id: B256::ZERO,
                enclave_challenge_key: key_hex.clone(),
                app_developer_secret: Some("app secret value".into()),
                requester_secrets: [(1, "requester secret value".to_string())].into(),
                result_encryption_key: Some("result key value".into()),
                datasets: vec![confide_sms::release::DatasetKey {
                    address: alloy_primitives::Address::repeat_byte(1),
                    key: "dataset key value".into(),
                }],
            },
            challenge,
        };
        let shown = format!("{secrets:?} {secrets:#?}");
        for secret in [
            key_hex.as_str(),
            "app secret value",
            "requester secret value",
            "result key value",
            "dataset key value",
        ] {
            assert!(!shown.contains(secret), "{secret} shows in {shown}");
        }
    }

    #[test]
    fn only_unreachable_or_failing_smses_are_retried() {
        let refused = |status: u16| SmsClientError::Refused {
            status,
            code: "X".into(),
            message: String::new(),
        };
        assert!(matches!(classify(refused(502)), Retried::Transient(_)));
        assert!(matches!(classify(refused(403)), Retried::Permanent(_)));
        let missing_key = SmsClientError::Refused {
            status: 404,
            code: "MISSING_SECRET".into(),
            message: "missing secret: the result-encryption key of 0x01".into(),
        };
        assert_eq!(
            refusal_failure(missing_key).cause,
            ReplicateCause::PostComputeEncryptionPublicKeyMissing
        );
        assert_eq!(
            refusal_failure(refused(403)).cause,
            ReplicateCause::TeeSessionFailed
        );
    }
}
