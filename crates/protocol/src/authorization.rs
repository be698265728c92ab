//! Off-chain authorizations and enclave messages (poco.md §3.4, devtools.md §2.6).
//!
//! Every hash here is signed as an EIP-191 personal message.

use crate::signature::{self, SignatureError};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer::SignerSync;
use serde::{Deserialize, Serialize};

/// `keccak256(worker ‖ taskId ‖ enclaveChallenge)`: what the scheduler signs to let a worker
/// contribute to a task (enclave challenge = zero address for non-TEE tasks). Also what a
/// worker signs to open an SMS session.
pub fn worker_authorization_hash(
    worker: Address,
    task_id: B256,
    enclave_challenge: Address,
) -> B256 {
    let mut preimage = [0u8; 72];
    preimage[..20].copy_from_slice(worker.as_slice());
    preimage[20..52].copy_from_slice(task_id.as_slice());
    preimage[52..].copy_from_slice(enclave_challenge.as_slice());
    keccak256(preimage)
}

/// `keccak256(resultHash ‖ resultSeal)`: what the enclave-challenge key signs over a result.
pub fn enclave_signature_message(result_hash: B256, result_seal: B256) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(result_hash.as_slice());
    preimage[32..].copy_from_slice(result_seal.as_slice());
    keccak256(preimage)
}

/// `keccak256(taskId ‖ worker)`: what an enclave signs to call its worker's API.
pub fn enclave_to_worker_challenge(task_id: B256, worker: Address) -> B256 {
    let mut preimage = [0u8; 52];
    preimage[..32].copy_from_slice(task_id.as_slice());
    preimage[32..].copy_from_slice(worker.as_slice());
    keccak256(preimage)
}

/// `keccak256(taskId)`: what the scheduler signs to request a task's enclave challenge from
/// the SMS (an authorization hash with empty worker and challenge).
pub fn enclave_challenge_request_hash(task_id: B256) -> B256 {
    keccak256(task_id)
}

/// The scheduler's permission for one worker to contribute to one task
/// (iExec's `WorkerpoolAuthorization` JSON shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerpoolAuthorization {
    /// The task.
    pub chain_task_id: B256,
    /// The task's deal.
    pub deal_id: B256,
    /// The task's index in the deal.
    pub task_index: U256,
    /// The authorized worker.
    pub worker_wallet: Address,
    /// Enclave challenge address (zero for non-TEE tasks).
    pub enclave_challenge: Address,
    /// Personal-message signature of [`Self::hash`] by the workerpool owner.
    pub signature: Bytes,
}

impl WorkerpoolAuthorization {
    /// The signed hash.
    pub fn hash(&self) -> B256 {
        worker_authorization_hash(
            self.worker_wallet,
            self.chain_task_id,
            self.enclave_challenge,
        )
    }

    /// Fills `signature` with the scheduler's signature.
    pub fn sign(
        &mut self,
        scheduler: &(impl SignerSync + ?Sized),
    ) -> Result<(), alloy_signer::Error> {
        self.signature = signature::sign_personal(scheduler, &self.hash())?;
        Ok(())
    }

    /// Checks the signature is by `workerpool_owner` (read from the chain, never from the sender).
    pub fn verify(&self, workerpool_owner: Address) -> Result<(), SignatureError> {
        signature::verify_personal(&self.hash(), &self.signature, workerpool_owner)
    }
}
