//! Enclave challenges and secret release.

use std::sync::Arc;

use alloy_primitives::{Address, B256};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use confide_protocol::authorization::enclave_challenge_request_hash;
use confide_protocol::{Tag, signature};
use zeroize::Zeroizing;

use super::signature;
use crate::chain;
use crate::error::{Refusal, SmsError};
use crate::release::{SessionRequest, SessionResponse};
use crate::service::Sms;
use crate::store::AuditAction;

const TASK_ACTIVE: u8 = 1;

/// The TEE framework this SMS serves.
pub(super) async fn framework() -> &'static str {
    "TDX"
}

/// Creates (or returns) the task's enclave challenge; asked by the deal's workerpool owner,
/// who signs `keccak256(taskId)`. Answers the challenge's address.
pub(super) async fn challenge(
    State(sms): State<Arc<Sms>>,
    Path(task_id): Path<B256>,
    headers: HeaderMap,
) -> Result<String, SmsError> {
    let result = async {
        let signer = signature::recover_personal_signer(
            &enclave_challenge_request_hash(task_id),
            &signature(&headers)?,
        )?;
        let on_chain = chain::task_and_deal(&sms.chain, task_id).await?;
        if on_chain.task.status != TASK_ACTIVE {
            return Err(Refusal::TaskNotActive {
                task: task_id,
                status: on_chain.task.status,
            }
            .into());
        }
        if !Tag(on_chain.deal.tag).is_tee() {
            return Err(Refusal::NotTeeDeal(on_chain.task.dealid).into());
        }
        let owner = on_chain.deal.workerpool.owner;
        if signer != owner {
            return Err(SmsError::WrongSigner {
                expected: owner,
                got: signer,
            });
        }
        let deadline = u64::try_from(on_chain.task.finalDeadline).unwrap_or(u64::MAX);
        let fresh = Zeroizing::new(rand::random::<[u8; 32]>());
        let key = sms.store.create_challenge(task_id, deadline, fresh).await?;
        Ok((signer, crate::release::challenge_signer(&key)?.address()))
    }
    .await;
    let actor = result.as_ref().ok().map(|(signer, _)| *signer);
    sms.audit(
        AuditAction::ChallengeCreate,
        actor,
        Some(task_id),
        format!("enclave challenge of task {task_id}"),
        result.as_ref().map(|_| ()),
    )
    .await?;
    result.map(|(_, address): (Address, Address)| address.to_checksum(None))
}

/// Releases the task's secrets to an attested enclave (see [`crate::release`]).
pub(super) async fn session(
    State(sms): State<Arc<Sms>>,
    headers: HeaderMap,
    Json(request): Json<SessionRequest>,
) -> Result<Json<SessionResponse>, SmsError> {
    let task_id = request.authorization.chain_task_id;
    let worker = request.authorization.worker_wallet;
    let result = match signature(&headers) {
        Ok(worker_signature) => {
            let now = (sms.config.clock)();
            sms.release(&request, &worker_signature, now).await
        }
        Err(error) => Err(error),
    };
    let action = if result.is_ok() {
        AuditAction::Release
    } else {
        AuditAction::ReleaseRefused
    };
    sms.audit(
        action,
        Some(worker),
        Some(task_id),
        format!("secrets of task {task_id}"),
        result.as_ref().map(|_| ()),
    )
    .await?;
    result.map(Json)
}
