//! Contributing on-chain (poco.md §3.5–3.10).
//!
//! - TEE task: `contributeAndFinalize` with the enclave's signature; the task completes.
//! - Replicated task: the worker's stake covers `deal.workerStake` (deposited from its wallet
//!   if needed), `contribute(resultHash, resultSeal)`, then the wait for consensus: when the
//!   task is REVEALING on this worker's result hash, `reveal(digest)` before the reveal
//!   deadline. A contribution found on-chain (a restarted worker) is not sent again.

use crate::error::{Failure, Step};
use crate::stake::{StakeError, top_up_stake};
use crate::task::{self, TaskFacts, chain_time, contribution, status};
use alloy_primitives::{Address, B256, Bytes, U64};
use alloy_provider::Provider as _;
use alloy_provider::RootProvider;
use alloy_sol_types::SolCall as _;
use confide_chain::artifacts::bindings::IConfide;
use confide_chain::client::send::TxSpec;
use confide_chain::client::{Client, ClientError};
use confide_chain::evm::ProtocolRevert;
use confide_protocol::replicate::ReplicateCause;
use confide_protocol::result::{result_hash, result_seal};
use std::time::Duration;

/// Gas added to a contribution's estimate: reaching consensus costs more than contributing, and
/// the contributions of other workers may be mined first (measured on the dev chain: 166k for
/// a first contribution, 242k for a third reaching consensus; the reference worker sends a
/// fixed 500k). Unused gas is not paid.
const CONTRIBUTE_GAS_HEADROOM: u64 = 300_000;

/// `eth_estimateGas` of `input` sent by `from` to `to`.
async fn estimate_gas(
    chain: &Client<RootProvider>,
    from: Address,
    to: Address,
    input: &Bytes,
) -> Step<u64> {
    let request = serde_json::json!({ "from": from, "to": to, "data": input });
    let estimate: U64 = chain
        .provider()
        .raw_request("eth_estimateGas".into(), (request,))
        .await
        .map_err(|error| {
            Failure::new(
                ReplicateCause::ContributeFailed,
                format!("estimating the gas of contribute: {error}"),
            )
        })?;
    Ok(estimate.saturating_to())
}

/// A transaction's failure: a deadline revert is a timeout, the rest `cause`.
fn send_failure(
    cause: ReplicateCause,
    timeout: ReplicateCause,
) -> impl FnOnce(ClientError) -> Failure {
    move |error| {
        let deadline = matches!(
            error.revert(),
            Some(ProtocolRevert::Custom { signature, .. }) if *signature == "DeadlineReached()"
        );
        // The error names the call already (`contribute reverted with …`).
        Failure::new(if deadline { timeout } else { cause }, error.to_string())
    }
}

/// Fails with a contribution timeout unless the chain is before the deadline.
async fn before_contribution_deadline(chain: &Client<RootProvider>, facts: &TaskFacts) -> Step<()> {
    let now = chain_time(chain).await?;
    let deadline = facts.contribution_deadline();
    if now >= deadline {
        return Err(Failure::new(
            ReplicateCause::ContributionTimeout,
            format!("the contribution deadline {deadline} has passed (chain time {now})"),
        ));
    }
    Ok(())
}

/// What a TEE task sends.
#[derive(Debug, Clone)]
pub(crate) struct TeeContribution {
    pub(crate) digest: B256,
    pub(crate) results: Bytes,
    pub(crate) results_callback: Bytes,
    pub(crate) enclave_sign: Bytes,
}

/// `contributeAndFinalize`; returns the transaction.
pub(crate) async fn contribute_and_finalize(
    chain: &Client<RootProvider>,
    worker: Address,
    facts: &TaskFacts,
    contribution: TeeContribution,
) -> Step<B256> {
    before_contribution_deadline(chain, facts).await?;
    let call = IConfide::contributeAndFinalizeCall {
        taskId: facts.task_id,
        resultDigest: contribution.digest,
        results: contribution.results,
        resultsCallback: contribution.results_callback,
        enclaveChallenge: facts.authorization.enclave_challenge,
        enclaveSign: contribution.enclave_sign,
        authorizationSign: facts.authorization.signature.clone(),
    };
    let mined = chain
        .contribute_and_finalize(worker, &call)
        .await
        .map_err(send_failure(
            ReplicateCause::ContributeFailed,
            ReplicateCause::ContributionTimeout,
        ))?;
    Ok(mined.hash())
}

/// The replicated flow's on-chain part, for one worker and one task.
pub(crate) struct Replicated<'a> {
    pub(crate) chain: &'a Client<RootProvider>,
    pub(crate) worker: Address,
    pub(crate) facts: &'a TaskFacts,
    pub(crate) digest: B256,
    pub(crate) poll_interval: Duration,
}

/// How the consensus wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consensus {
    /// REVEALING on this worker's result: reveal before this time.
    Reveal { deadline: u64 },
    /// This worker's reveal is already on-chain.
    AlreadyRevealed,
}

impl Replicated<'_> {
    pub(crate) fn result_hash(&self) -> B256 {
        result_hash(self.facts.task_id, self.digest)
    }

    /// Makes sure `deal.workerStake` is free in the worker's account: deposits the missing part
    /// from its wallet's RLC.
    async fn ensure_stake(&self) -> Step<()> {
        let required = self.facts.deal.workerStake;
        match top_up_stake(self.chain, self.worker, required).await {
            Ok(_) => Ok(()),
            Err(error @ StakeError::Chain { .. }) => Err(Failure::new(
                ReplicateCause::WorkerFailure,
                error.to_string(),
            )),
            Err(error) => Err(Failure::new(ReplicateCause::StakeTooLow, error.to_string())),
        }
    }

    /// `contribute` (after [`Self::ensure_stake`]), unless this worker's contribution of the
    /// same result is already on-chain; returns the transaction when one was sent. Concurrent
    /// contributions of one worker must be serialized by the caller (they share its stake).
    pub(crate) async fn contribute(&self) -> Step<Option<B256>> {
        let facts = self.facts;
        let result_hash = self.result_hash();
        let (_, existing) = task::progress(self.chain, facts.task_id, self.worker).await?;
        if existing.status != contribution::UNSET {
            if existing.resultHash == result_hash {
                return Ok(None);
            }
            return Err(Failure::new(
                ReplicateCause::ContributeFailed,
                format!(
                    "this worker already contributed {} to task {}, not {result_hash}",
                    existing.resultHash, facts.task_id
                ),
            ));
        }
        before_contribution_deadline(self.chain, facts).await?;
        self.ensure_stake().await?;
        let call = IConfide::contributeCall {
            taskId: facts.task_id,
            resultHash: result_hash,
            resultSeal: result_seal(self.worker, facts.task_id, self.digest),
            enclaveChallenge: Address::ZERO,
            enclaveSign: Bytes::new(),
            authorizationSign: facts.authorization.signature.clone(),
        };
        let failure = || {
            send_failure(
                ReplicateCause::ContributeFailed,
                ReplicateCause::ContributionTimeout,
            )
        };
        let protocol = self.chain.deployment().protocol;
        let input = Bytes::from(call.abi_encode());
        // A revert is found (and named) before anything is sent.
        self.chain
            .raw_call(Some(self.worker), protocol, input.clone(), "contribute")
            .await
            .map_err(failure())?;
        let estimate = estimate_gas(self.chain, self.worker, protocol, &input).await?;
        let spec = TxSpec {
            gas_limit: Some(
                estimate.saturating_mul(100 + self.chain.config().gas_margin_percent) / 100
                    + CONTRIBUTE_GAS_HEADROOM,
            ),
            ..TxSpec::call(protocol, input)
        };
        let mined = self
            .chain
            .send_tx(self.worker, spec, "contribute")
            .await
            .map_err(failure())?;
        Ok(Some(mined.hash()))
    }

    /// Polls the chain until the task is in its reveal phase (or past it).
    pub(crate) async fn await_consensus(&self) -> Step<Consensus> {
        let task_id = self.facts.task_id;
        let ours = self.result_hash();
        loop {
            let (task, mine) = task::progress(self.chain, task_id, self.worker).await?;
            if mine.status == contribution::PROVED {
                return Ok(Consensus::AlreadyRevealed);
            }
            if mine.status == contribution::REJECTED {
                return Err(Failure::new(
                    ReplicateCause::ContributeFailed,
                    format!(
                        "the consensus on this worker's result {ours} was reopened without reveals; its contribution is rejected"
                    ),
                ));
            }
            match task.status {
                status::REVEALING if task.consensusValue == ours => {
                    return Ok(Consensus::Reveal {
                        deadline: task.revealDeadline.saturating_to(),
                    });
                }
                status::COMPLETED if task.consensusValue == ours => {
                    return Err(Failure::new(
                        ReplicateCause::RevealTimeout,
                        "the task was finalized before this worker revealed",
                    ));
                }
                status::REVEALING | status::COMPLETED => {
                    return Err(Failure::new(
                        ReplicateCause::ContributeFailed,
                        format!(
                            "consensus reached on {}, not this worker's result {ours}",
                            task.consensusValue
                        ),
                    ));
                }
                status::ACTIVE => {
                    let now = chain_time(self.chain).await?;
                    let deadline = self.facts.contribution_deadline();
                    if now >= deadline {
                        return Err(Failure::new(
                            ReplicateCause::ContributionTimeout,
                            format!(
                                "no consensus before the contribution deadline {deadline} (chain time {now})"
                            ),
                        ));
                    }
                }
                other => {
                    return Err(Failure::new(
                        ReplicateCause::TaskNotActive,
                        format!(
                            "task {task_id} left the contribution phase (status {other}) without consensus"
                        ),
                    ));
                }
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }

    /// `reveal`; returns the transaction.
    pub(crate) async fn reveal(&self, deadline: u64) -> Step<B256> {
        let now = chain_time(self.chain).await?;
        if now >= deadline {
            return Err(Failure::new(
                ReplicateCause::RevealTimeout,
                format!("the reveal deadline {deadline} has passed (chain time {now})"),
            ));
        }
        let call = IConfide::revealCall {
            taskId: self.facts.task_id,
            resultDigest: self.digest,
        };
        let mined = self
            .chain
            .protocol_send(self.worker, &call)
            .await
            .map_err(send_failure(
                ReplicateCause::RevealFailed,
                ReplicateCause::RevealTimeout,
            ))?;
        Ok(mined.hash())
    }
}
