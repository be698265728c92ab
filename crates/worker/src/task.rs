//! What the worker knows about a task, read from the chain, never from the scheduler: the
//! authorization is checked against the deal's workerpool owner (or the TEE broker), the task
//! id against the deal and index, the task's status and deadline on-chain; the app, dataset,
//! params, tag, trust, category, beneficiary and callback are the deal's.

use crate::error::{Failure, OrFail as _, Step};
use alloy_primitives::{Address, B256};
use alloy_provider::{Provider as _, RootProvider};
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::client::Client;
use confide_protocol::Tag;
use confide_protocol::authorization::WorkerpoolAuthorization;
use confide_protocol::ids;
use confide_protocol::params::DealParams;
use confide_protocol::replicate::ReplicateCause;

/// `TaskStatusEnum` (poco.md §3.1).
pub(crate) mod status {
    pub(crate) const UNSET: u8 = 0;
    pub(crate) const ACTIVE: u8 = 1;
    pub(crate) const REVEALING: u8 = 2;
    pub(crate) const COMPLETED: u8 = 3;
    pub(crate) const FAILED: u8 = 4;
}

/// `ContributionStatusEnum`.
pub(crate) mod contribution {
    pub(crate) const UNSET: u8 = 0;
    pub(crate) const CONTRIBUTED: u8 = 1;
    pub(crate) const PROVED: u8 = 2;
    pub(crate) const REJECTED: u8 = 3;
}

/// A task as the chain describes it, its authorization checked.
#[derive(Debug, Clone)]
pub(crate) struct TaskFacts {
    pub(crate) task_id: B256,
    pub(crate) authorization: WorkerpoolAuthorization,
    pub(crate) task: Types::Task,
    pub(crate) deal: Types::Deal,
    pub(crate) app: Types::AppInfo,
    pub(crate) params: DealParams,
    /// The deal's tag has the TEE bit.
    pub(crate) tee: bool,
}

impl TaskFacts {
    /// The task's index in its deal.
    pub(crate) fn index(&self) -> u64 {
        self.task.idx.saturating_to()
    }

    /// Contributions are accepted strictly before this time (unix seconds).
    pub(crate) fn contribution_deadline(&self) -> u64 {
        self.task.contributionDeadline.saturating_to()
    }

    /// The category's time reference: the app's wall-time limit, seconds.
    pub(crate) fn time_ref(&self) -> u64 {
        self.task.timeref.saturating_to()
    }

    /// The deal's dataset, if any.
    pub(crate) fn dataset(&self) -> Option<Address> {
        Some(self.deal.dataset.pointer).filter(|dataset| *dataset != Address::ZERO)
    }
}

fn chain_failure(doing: &str) -> impl FnOnce(confide_chain::client::ClientError) -> Failure + '_ {
    move |error| Failure::new(ReplicateCause::WorkerFailure, format!("{doing}: {error}"))
}

/// The timestamp of the chain's latest block: what deadlines are compared with.
pub(crate) async fn chain_time(chain: &Client<RootProvider>) -> Step<u64> {
    let block: serde_json::Value = chain
        .provider()
        .raw_request("eth_getBlockByNumber".into(), ("latest", false))
        .await
        .or_fail(ReplicateCause::WorkerFailure, "reading the latest block")?;
    block
        .get("timestamp")
        .and_then(serde_json::Value::as_str)
        .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
        .ok_or_else(|| {
            Failure::new(
                ReplicateCause::WorkerFailure,
                "the latest block has no readable timestamp",
            )
        })
}

/// Reads the task, its deal and app, and checks that `worker` may work on it as
/// `authorization` says.
pub(crate) async fn read_and_verify(
    chain: &Client<RootProvider>,
    worker: Address,
    authorization: &WorkerpoolAuthorization,
) -> Step<TaskFacts> {
    let invalid = |message: String| Failure::new(ReplicateCause::InvalidAuthorization, message);
    let task_id = authorization.chain_task_id;
    if authorization.worker_wallet != worker {
        return Err(invalid(format!(
            "the authorization is for worker {}, not this worker {worker}",
            authorization.worker_wallet
        )));
    }
    let expected = ids::task_id(authorization.deal_id, authorization.task_index);
    if expected != task_id {
        return Err(invalid(format!(
            "task {task_id} is not task {} of deal {} (that is {expected})",
            authorization.task_index, authorization.deal_id
        )));
    }

    // The deal first: a forged authorization is refused whatever the task's state.
    let deal = chain
        .deal(authorization.deal_id)
        .await
        .map_err(chain_failure("reading the deal"))?;
    if deal.workerpool.owner == Address::ZERO {
        return Err(invalid(format!(
            "deal {} does not exist",
            authorization.deal_id
        )));
    }
    let tee = Tag(deal.tag).is_tee();
    let challenge = authorization.enclave_challenge;
    if tee && challenge == Address::ZERO {
        return Err(invalid("a TEE task needs an enclave challenge".into()));
    }
    if !tee && challenge != Address::ZERO {
        return Err(invalid(format!(
            "a non-TEE task has no enclave challenge (got {challenge})"
        )));
    }
    let signer = authorization_signer(chain, &deal, challenge).await?;
    authorization.verify(signer).map_err(|error| {
        invalid(format!(
            "the authorization is not signed by {signer}, the deal's {}: {error}",
            if signer == deal.workerpool.owner {
                "workerpool owner"
            } else {
                "TEE broker"
            }
        ))
    })?;

    let (task, contribution) = progress(chain, task_id, worker).await?;
    // A restarted worker resumes a task it contributed to, to reveal.
    let resumable = task.status == status::REVEALING
        && matches!(
            contribution.status,
            contribution::CONTRIBUTED | contribution::PROVED
        );
    if task.status != status::ACTIVE && !resumable {
        let state = match task.status {
            status::UNSET => "not initialized",
            status::REVEALING => "in its reveal phase without this worker's contribution",
            status::COMPLETED => "completed",
            status::FAILED => "failed (claimed)",
            _ => "in an unknown state",
        };
        return Err(Failure::new(
            ReplicateCause::TaskNotActive,
            format!("task {task_id} is {state}"),
        ));
    }

    if task.status == status::ACTIVE {
        let now = chain_time(chain).await?;
        let deadline: u64 = task.contributionDeadline.saturating_to();
        if now >= deadline {
            return Err(Failure::new(
                ReplicateCause::ContributionTimeout,
                format!("the contribution deadline {deadline} has passed (chain time {now})"),
            ));
        }
    }
    let params = DealParams::parse(&deal.params)
        .or_fail(ReplicateCause::PreComputeInvalidParams, "the deal's params")?;
    let app = chain
        .protocol_view(&IConfide::viewAppCall {
            app: deal.app.pointer,
        })
        .await
        .map_err(chain_failure("reading the app"))?;
    Ok(TaskFacts {
        task_id,
        authorization: authorization.clone(),
        task,
        deal,
        app,
        params,
        tee,
    })
}

/// Who must have signed the authorization, as `contribute` checks it: the TEE broker for a
/// TEE authorization when one is set, else the deal's workerpool owner.
async fn authorization_signer(
    chain: &Client<RootProvider>,
    deal: &Types::Deal,
    challenge: Address,
) -> Step<Address> {
    if challenge != Address::ZERO {
        let broker = chain
            .protocol_view(&IConfide::teebrokerCall {})
            .await
            .map_err(chain_failure("reading the TEE broker"))?;
        if broker != Address::ZERO {
            return Ok(broker);
        }
    }
    Ok(deal.workerpool.owner)
}

/// The dataset registry entry of `dataset`.
pub(crate) async fn dataset_info(
    chain: &Client<RootProvider>,
    dataset: Address,
) -> Step<Types::DatasetInfo> {
    let info = chain
        .protocol_view(&IConfide::viewDatasetCall { dataset })
        .await
        .map_err(chain_failure("reading the dataset"))?;
    if info.owner == Address::ZERO {
        return Err(Failure::new(
            ReplicateCause::PreComputeDatasetDownloadFailed,
            format!("{dataset} is not a registered dataset"),
        ));
    }
    Ok(info)
}

/// The current state of the task and of this worker's contribution.
pub(crate) async fn progress(
    chain: &Client<RootProvider>,
    task_id: B256,
    worker: Address,
) -> Step<(Types::Task, Types::Contribution)> {
    let task = chain
        .task(task_id)
        .await
        .map_err(chain_failure("reading the task"))?;
    let contribution = chain
        .protocol_view(&IConfide::viewContributionCall {
            _taskid: task_id,
            _worker: worker,
        })
        .await
        .map_err(chain_failure("reading this worker's contribution"))?;
    Ok((task, contribution))
}
