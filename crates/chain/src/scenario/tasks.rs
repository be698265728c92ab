//! The task lifecycle: initialize, authorizations, contribute, reveal, finalize,
//! contributeAndFinalize, reopen, claim.

use super::{Actors, Call, ScenarioError, Session};
use crate::artifacts::bindings::{IConfide, Types};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use confide_protocol::authorization::{enclave_signature_message, worker_authorization_hash};
use confide_protocol::result::{ResultLocation, result_hash, result_seal};
use confide_protocol::signature::sign_personal;

impl Session<'_> {
    /// The result digest a worker computes for `task`: `variant` 0 is the honest result, any
    /// other value a different (wrong) one. Derived from the task's symbolic name, so it is
    /// the same on every deployment.
    pub fn result_digest(&self, task: B256, variant: u8) -> B256 {
        result_digest_for(&self.symbols().word(task), variant)
    }

    /// The `results` a task is finalized with: an IPFS location (JSON), as workers write it,
    /// derived from the task's symbolic name.
    pub fn results_of(&self, task: B256) -> Bytes {
        results_for(&self.symbols().word(task))
    }

    /// Names `task`'s result hash for `digest` (deployment-dependent: it hashes the task id).
    fn name_result_hash(&mut self, task: B256, digest: B256) {
        let name = format!(
            "resulthash:{}/{}",
            self.symbols().word(task),
            &digest.to_string()[..10]
        );
        self.symbols_mut()
            .name_word(result_hash(task, digest), name);
    }

    /// The scheduler initializes task `index` of `deal`; returns the task id.
    pub fn initialize(&mut self, deal: B256, index: u64) -> Result<Call<B256>, ScenarioError> {
        let from = self.actors().scheduler.address();
        let call = IConfide::initializeCall {
            dealId: deal,
            index: U256::from(index),
        };
        self.send_protocol("initialize", from, &call)
    }

    /// The scheduler initializes several tasks at once (`initializeArray`).
    pub fn initialize_array(&mut self, tasks: &[(B256, u64)]) -> Result<Call<bool>, ScenarioError> {
        let from = self.actors().scheduler.address();
        let call = IConfide::initializeArrayCall {
            dealIds: tasks.iter().map(|(deal, _)| *deal).collect(),
            indexes: tasks.iter().map(|(_, i)| U256::from(*i)).collect(),
        };
        self.send_protocol("initializeArray", from, &call)
    }

    /// The owner names [`super::Actors::tee_broker`] as the TEE broker (`setTeeBroker`), or
    /// removes it: from then on, TEE authorizations are signed by the broker.
    pub fn set_tee_broker(&mut self, enabled: bool) -> Result<Call<()>, ScenarioError> {
        let broker = if enabled {
            self.actors().tee_broker.address()
        } else {
            Address::ZERO
        };
        let from = self.actors().owner.address();
        let call = self.send_protocol("setTeeBroker", from, &IConfide::setTeeBrokerCall(broker))?;
        if call.succeeded() {
            self.tee_broker = enabled;
        }
        Ok(unit(call))
    }

    /// The authorization for `worker` to contribute to `task` with `challenge` (zero for a
    /// non-TEE task): signed by the scheduler, or by the TEE broker for a TEE contribution once
    /// [`Self::set_tee_broker`] named it.
    pub fn authorization(
        &self,
        worker: Address,
        task: B256,
        challenge: Address,
    ) -> Result<Bytes, ScenarioError> {
        self.actors()
            .authorization(worker, task, challenge, self.tee_broker)
    }

    /// The enclave challenge and enclave signature of `worker`'s result `digest` for `task`
    /// (zero and empty when not `tee`).
    fn enclave(
        &self,
        worker: Address,
        task: B256,
        digest: B256,
        tee: bool,
    ) -> Result<(Address, Bytes), ScenarioError> {
        if !tee {
            return Ok((Address::ZERO, Bytes::new()));
        }
        self.actors().enclave_signature(worker, task, digest)
    }

    /// `worker` contributes result `digest` to `task` (`contribute`, authorized by the
    /// scheduler; through an enclave when `tee`).
    pub fn contribute(
        &mut self,
        task: B256,
        worker: Address,
        digest: B256,
        tee: bool,
    ) -> Result<Call<()>, ScenarioError> {
        self.name_result_hash(task, digest);
        let (challenge, enclave_sign) = self.enclave(worker, task, digest, tee)?;
        let call = IConfide::contributeCall {
            taskId: task,
            resultHash: result_hash(task, digest),
            resultSeal: result_seal(worker, task, digest),
            enclaveChallenge: challenge,
            enclaveSign: enclave_sign,
            authorizationSign: self.authorization(worker, task, challenge)?,
        };
        let label = format!("contribute ({})", self.who(worker));
        Ok(unit(self.send_protocol(label, worker, &call)?))
    }

    /// `worker` reveals result `digest` of `task` (`reveal`).
    pub fn reveal(
        &mut self,
        task: B256,
        worker: Address,
        digest: B256,
    ) -> Result<Call<()>, ScenarioError> {
        let call = IConfide::revealCall {
            taskId: task,
            resultDigest: digest,
        };
        let label = format!("reveal ({})", self.who(worker));
        Ok(unit(self.send_protocol(label, worker, &call)?))
    }

    /// The scheduler finalizes `task` with [`Self::results_of`] (`finalize`; `results_callback` for a
    /// deal with a callback).
    pub fn finalize(
        &mut self,
        task: B256,
        results_callback: Bytes,
    ) -> Result<Call<()>, ScenarioError> {
        let from = self.actors().scheduler.address();
        let call = IConfide::finalizeCall {
            taskId: task,
            results: self.results_of(task),
            resultsCallback: results_callback,
        };
        Ok(unit(self.send_protocol("finalize", from, &call)?))
    }

    /// `worker` contributes result `digest` and finalizes `task` at once
    /// (`contributeAndFinalize`, trust-1 deals; through an enclave when `tee`).
    pub fn contribute_and_finalize(
        &mut self,
        task: B256,
        worker: Address,
        digest: B256,
        results_callback: Bytes,
        tee: bool,
    ) -> Result<Call<()>, ScenarioError> {
        self.name_result_hash(task, digest);
        let call = self.actors().contribute_and_finalize_call(
            ContributionTerms {
                task,
                worker,
                digest,
                results: self.results_of(task),
                results_callback,
                tee,
            },
            self.tee_broker,
        )?;
        Ok(unit(self.send_protocol(
            "contributeAndFinalize",
            worker,
            &call,
        )?))
    }

    /// The scheduler reopens `task` (`reopen`: consensus reached, nobody revealed in time).
    pub fn reopen(&mut self, task: B256) -> Result<Call<()>, ScenarioError> {
        let from = self.actors().scheduler.address();
        let call = IConfide::reopenCall { taskId: task };
        Ok(unit(self.send_protocol("reopen", from, &call)?))
    }

    /// `from` claims `task` after its final deadline (`claim`).
    pub fn claim(&mut self, task: B256, from: Address) -> Result<Call<()>, ScenarioError> {
        let call = IConfide::claimCall { taskId: task };
        Ok(unit(self.send_protocol("claim", from, &call)?))
    }

    /// The task's record (`viewTask`).
    pub fn task(&self, task: B256) -> Result<Types::Task, ScenarioError> {
        self.view(&IConfide::viewTaskCall { id: task })
    }

    /// The deal's record (`viewDeal`).
    pub fn deal(&self, deal: B256) -> Result<Types::Deal, ScenarioError> {
        self.view(&IConfide::viewDealCall { id: deal })
    }
}

/// The result digest of the task named `task_name` (see [`Session::result_digest`]).
pub fn result_digest_for(task_name: &str, variant: u8) -> B256 {
    keccak256(
        [
            task_name.as_bytes(),
            b"/confide.scenario.result",
            &[variant],
        ]
        .concat(),
    )
}

/// The `results` of the task named `task_name` (see [`Session::results_of`]).
pub fn results_for(task_name: &str) -> Bytes {
    let name = keccak256(task_name);
    let cid = format!("bafyconfidescenario{}", &name.to_string()[2..18]);
    Bytes::from(ResultLocation::ipfs(&cid).to_bytes())
}

/// What a worker's `contributeAndFinalize` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionTerms {
    /// The task.
    pub task: B256,
    /// The contributing worker.
    pub worker: Address,
    /// The result digest.
    pub digest: B256,
    /// The `results` (a location, see [`results_for`]).
    pub results: Bytes,
    /// The `resultsCallback` (empty without a callback).
    pub results_callback: Bytes,
    /// Whether the worker runs in an enclave (TEE task).
    pub tee: bool,
}

impl Actors {
    /// The scheduler's authorization for `worker` to contribute to `task` with `challenge`, or
    /// the TEE broker's for a TEE contribution when `tee_broker` (named by `setTeeBroker`).
    pub fn authorization(
        &self,
        worker: Address,
        task: B256,
        challenge: Address,
        tee_broker: bool,
    ) -> Result<Bytes, ScenarioError> {
        let signer = if tee_broker && challenge != Address::ZERO {
            &self.tee_broker
        } else {
            &self.scheduler
        };
        let hash = worker_authorization_hash(worker, task, challenge);
        Ok(sign_personal(signer, &hash)?)
    }

    /// The enclave challenge (the [`Actors::enclave`] address) and the enclave's signature of
    /// `worker`'s result `digest` for `task`.
    pub fn enclave_signature(
        &self,
        worker: Address,
        task: B256,
        digest: B256,
    ) -> Result<(Address, Bytes), ScenarioError> {
        let message =
            enclave_signature_message(result_hash(task, digest), result_seal(worker, task, digest));
        Ok((
            self.enclave.address(),
            sign_personal(&self.enclave, &message)?,
        ))
    }

    /// The signed `contributeAndFinalize` call of `terms` (authorization, and enclave signature
    /// when `terms.tee`): off-chain work, no EVM involved.
    pub fn contribute_and_finalize_call(
        &self,
        terms: ContributionTerms,
        tee_broker: bool,
    ) -> Result<IConfide::contributeAndFinalizeCall, ScenarioError> {
        let ContributionTerms {
            task,
            worker,
            digest,
            results,
            results_callback,
            tee,
        } = terms;
        let (challenge, enclave_sign) = if tee {
            self.enclave_signature(worker, task, digest)?
        } else {
            (Address::ZERO, Bytes::new())
        };
        Ok(IConfide::contributeAndFinalizeCall {
            taskId: task,
            resultDigest: digest,
            results,
            resultsCallback: results_callback,
            enclaveChallenge: challenge,
            enclaveSign: enclave_sign,
            authorizationSign: self.authorization(worker, task, challenge, tee_broker)?,
        })
    }
}

/// Drops a call's (empty) return value.
pub(crate) fn unit<T>(call: Call<T>) -> Call<()> {
    Call {
        label: call.label,
        outcome: call.outcome,
        returned: call.returned.map(|_| ()),
    }
}
