//! The reconciler: the loop that drives every unfinished task from its on-chain state.
//!
//! Each pass (every poll interval, or sooner when woken by a report, an upload or a new deal):
//! 1. workers silent past the timeout are marked lost and their replicates not contributed yet
//!    released (their tasks are handed to others);
//! 2. each unfinished task's on-chain record is read, its replicates synchronized with the
//!    chain's contributions, and [`decide`] says what comes next;
//! 3. the chain actions are sent: `initializeArray`, `claimArray` and
//!    `initializeAndClaimArray` batched over every task that needs them, `reopen` and `finalize`
//!    one by one; a TEE task's enclave challenge is fetched from the SMS (retried next pass if
//!    the SMS is down).
//!
//! Nothing is remembered between passes but the database, so a restarted scheduler resumes
//! every task where the chain says it is. A transaction is recorded on its tasks while it is in
//! flight; a pass that finds one pending waits for it rather than sending another. A revert
//! (someone else acted first, a condition no longer holds) only means the next pass reads
//! again.

pub mod decide;

use crate::chain::{self, TxState, contribution, status};
use crate::error::SchedulerError;
use crate::service::{Scheduler, millis, pause, unix_ms};
use crate::store::TaskRow;
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::client::ClientError;
use confide_protocol::workerpool::{ReplicateState, TaskMode, TaskState};
use decide::{Decision, OnChain, decide};
use futures_util::{StreamExt, stream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::watch;

/// Chain reads in flight at once.
const READS_IN_FLIGHT: usize = 8;
/// Decisions applied to one task in one pass (each a state change; then an action or a wait).
const STEPS_PER_PASS: usize = 6;

/// Runs passes until stopped; a failed pass is logged and retried after a backoff.
pub(crate) async fn run(scheduler: Arc<Scheduler>, mut stopped: watch::Receiver<bool>) {
    let timing = scheduler.config.timing;
    let mut backoff = timing.poll_interval;
    loop {
        let period = match pass(&scheduler).await {
            Ok(()) => {
                backoff = timing.poll_interval;
                timing.poll_interval
            }
            Err(error) => {
                tracing::warn!(%error, ?backoff, "reconciler pass failed");
                let wait = backoff;
                backoff = (backoff * 2).min(timing.max_backoff);
                wait
            }
        };
        if pause(period, Some(&scheduler.wake), &mut stopped).await {
            return;
        }
    }
}

/// Chain actions collected over a pass.
#[derive(Debug, Default)]
struct Plan {
    initialize: Vec<(B256, u64, B256)>,
    claim: Vec<B256>,
    initialize_and_claim: Vec<(B256, u64, B256)>,
    reopen: Vec<B256>,
    finalize: Vec<TaskRow>,
}

/// One pass over every unfinished task.
pub async fn pass(scheduler: &Scheduler) -> Result<(), SchedulerError> {
    release_lost_workers(scheduler).await?;
    let now = chain::chain_time(&scheduler.chain).await?;
    scheduler.chain_now.store(now, Ordering::Release);
    // A skipped task, or one past its contribution deadline, can only end by a claim: nothing
    // to read before its final deadline.
    let tasks: Vec<TaskRow> = scheduler
        .store
        .unfinished_tasks()
        .await?
        .into_iter()
        .filter(|task| {
            !matches!(
                task.state,
                TaskState::Skipped | TaskState::ContributionTimeout
            ) || now >= task.final_deadline
        })
        .collect();
    let reads: Vec<(TaskRow, Result<Types::Task, ClientError>)> = stream::iter(tasks)
        .map(|row| async move {
            let onchain = chain::task(&scheduler.chain, row.task_id).await;
            (row, onchain)
        })
        .buffered(READS_IN_FLIGHT)
        .collect()
        .await;
    let mut plan = Plan::default();
    for (row, onchain) in reads {
        let task_id = row.task_id;
        let onchain = match onchain {
            Ok(onchain) => onchain,
            Err(error) => {
                tracing::warn!(task = %task_id, %error, "cannot read the task on-chain");
                continue;
            }
        };
        if let Err(error) = drive(scheduler, row, &onchain, now, &mut plan).await {
            tracing::warn!(task = %task_id, %error, "task step failed; retried next pass");
            let _ = scheduler
                .store
                .set_task_error(task_id, Some(&error.to_string()))
                .await;
        }
    }
    execute(scheduler, plan).await?;
    scheduler.passes.fetch_add(1, Ordering::AcqRel);
    Ok(())
}

/// Marks silent workers lost and releases what they were handed and did not contribute to.
async fn release_lost_workers(scheduler: &Scheduler) -> Result<(), SchedulerError> {
    let timeout = millis(scheduler.config.timing.worker_timeout);
    let now_ms = unix_ms();
    for worker in scheduler
        .store
        .mark_lost(now_ms.saturating_sub(timeout))
        .await?
    {
        let released = scheduler.store.release_assigned(worker, now_ms).await?;
        tracing::info!(%worker, released = released.len(), "worker lost; its replicates are released");
    }
    Ok(())
}

/// Brings one task's record up to date and decides its next steps.
async fn drive(
    scheduler: &Scheduler,
    mut row: TaskRow,
    onchain: &Types::Task,
    now: u64,
    plan: &mut Plan,
) -> Result<(), SchedulerError> {
    let store = &scheduler.store;
    if let Some(hash) = row.pending_tx {
        match chain::tx_state(&scheduler.chain, hash).await? {
            TxState::Pending => return Ok(()),
            TxState::Mined(_) | TxState::Unknown => {
                store.set_pending_tx(&[row.task_id], None).await?;
                // The read above may predate the transaction: decide next pass.
                return Ok(());
            }
        }
    }
    sync_replicates(scheduler, &row, onchain).await?;
    let view = OnChain {
        status: onchain.status,
        contribution_deadline: saturate(onchain.contributionDeadline),
        reveal_deadline: saturate(onchain.revealDeadline),
        final_deadline: saturate(onchain.finalDeadline),
        consensus_value: onchain.consensusValue,
        reveal_counter: saturate(onchain.revealCounter),
        winner_counter: saturate(onchain.winnerCounter),
    };
    for _ in 0..STEPS_PER_PASS {
        let decision = decide(&row, &view, now);
        let next = match decision {
            Decision::Wait => return Ok(()),
            Decision::Move(to) => to,
            Decision::Initialize => {
                plan.initialize
                    .push((row.deal_id, row.task_index, row.task_id));
                if row.state == TaskState::Received {
                    store
                        .move_task(row.task_id, row.state, TaskState::Initializing, unix_ms())
                        .await?;
                }
                return Ok(());
            }
            Decision::Claim | Decision::InitializeAndClaim => {
                if row.state != TaskState::FinalDeadlineReached {
                    store
                        .move_task(
                            row.task_id,
                            row.state,
                            TaskState::FinalDeadlineReached,
                            unix_ms(),
                        )
                        .await?;
                }
                if decision == Decision::Claim {
                    plan.claim.push(row.task_id);
                } else {
                    plan.initialize_and_claim
                        .push((row.deal_id, row.task_index, row.task_id));
                }
                return Ok(());
            }
            Decision::Reopen => {
                store
                    .move_task(row.task_id, row.state, TaskState::Reopening, unix_ms())
                    .await?;
                plan.reopen.push(row.task_id);
                return Ok(());
            }
            Decision::Finalize => {
                if row.state != TaskState::Finalizing {
                    store
                        .move_task(row.task_id, row.state, TaskState::Finalizing, unix_ms())
                        .await?;
                }
                plan.finalize.push(row);
                return Ok(());
            }
            Decision::FetchChallenge => {
                let Some(sms) = &scheduler.sms else {
                    return Ok(());
                };
                let challenge = sms
                    .enclave_challenge(&scheduler.wallet, row.task_id)
                    .await?;
                store.set_enclave_challenge(row.task_id, challenge).await?;
                row.enclave_challenge = Some(challenge);
                tracing::info!(task = %row.task_id, %challenge, "enclave challenge obtained");
                TaskState::Running
            }
        };
        // The replicates of an ended task are settled first, so no one sees the task ended
        // with its replicates still running (the chain's word is final either way).
        if next.is_terminal() {
            on_entering(scheduler, &row, next, onchain).await?;
        }
        if !store
            .move_task(row.task_id, row.state, next, unix_ms())
            .await?
        {
            // Moved meanwhile (a report, an upload): next pass.
            return Ok(());
        }
        if !next.is_terminal() {
            on_entering(scheduler, &row, next, onchain).await?;
        }
        row.state = next;
        if next.is_terminal() {
            return Ok(());
        }
    }
    Ok(())
}

/// What entering a state does besides the state itself.
async fn on_entering(
    scheduler: &Scheduler,
    row: &TaskRow,
    state: TaskState,
    onchain: &Types::Task,
) -> Result<(), SchedulerError> {
    let store = &scheduler.store;
    let now_ms = unix_ms();
    match state {
        TaskState::ConsensusReached => {
            store
                .set_consensus_value(row.task_id, Some(onchain.consensusValue))
                .await?;
        }
        TaskState::Running if row.consensus_value.is_some() => {
            // Reopened: the contributions to the failed consensus are rejected on-chain and no
            // longer count.
            for replicate in store.replicates_of_task(row.task_id).await? {
                if replicate.state == ReplicateState::Contributed
                    && replicate.result_hash == row.consensus_value
                {
                    store
                        .set_replicate(
                            row.task_id,
                            replicate.worker,
                            ReplicateState::Released,
                            None,
                            None,
                            now_ms,
                        )
                        .await?;
                }
            }
            store.set_consensus_value(row.task_id, None).await?;
        }
        TaskState::Completed | TaskState::Failed => {
            for replicate in store.replicates_of_task(row.task_id).await? {
                let uploaded = replicate.state == ReplicateState::ResultUploaded;
                if !replicate.state.is_active() && !uploaded {
                    continue;
                }
                let contributed = onchain.contributors.contains(&replicate.worker);
                // A winner's reveal report may still be on its way: the chain says whether it
                // revealed.
                let proved = contributed
                    && (row.mode == TaskMode::Tee
                        || crate::chain::contribution(
                            &scheduler.chain,
                            row.task_id,
                            replicate.worker,
                        )
                        .await?
                        .status
                            == crate::chain::contribution::PROVED);
                let done = state == TaskState::Completed && proved;
                let end = if done {
                    ReplicateState::Completed
                } else {
                    ReplicateState::Released
                };
                store
                    .set_replicate(row.task_id, replicate.worker, end, None, None, now_ms)
                    .await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Records the contributions the chain holds for a replicated task (whoever reported them or
/// not): contributed, revealed, or rejected by a reopen.
async fn sync_replicates(
    scheduler: &Scheduler,
    row: &TaskRow,
    onchain: &Types::Task,
) -> Result<(), SchedulerError> {
    if row.mode != TaskMode::Replicated
        || !matches!(onchain.status, status::ACTIVE | status::REVEALING)
        || onchain.contributors.is_empty()
    {
        return Ok(());
    }
    let store = &scheduler.store;
    let replicates = store.replicates_of_task(row.task_id).await?;
    for &worker in &onchain.contributors {
        let known = replicates.iter().find(|r| r.worker == worker);
        let settled = known.is_some_and(|r| {
            matches!(
                r.state,
                ReplicateState::Revealed | ReplicateState::ResultUploaded
            ) || (r.state == ReplicateState::Contributed && onchain.status == status::ACTIVE)
        });
        if settled {
            continue;
        }
        let record = contribution(&scheduler.chain, row.task_id, worker).await?;
        let state = match record.status {
            chain::contribution::CONTRIBUTED => ReplicateState::Contributed,
            chain::contribution::PROVED => ReplicateState::Revealed,
            chain::contribution::REJECTED => ReplicateState::Released,
            _ => continue,
        };
        if known.map(|r| r.state) != Some(state) {
            store
                .set_replicate(
                    row.task_id,
                    worker,
                    state,
                    Some(record.resultHash),
                    None,
                    unix_ms(),
                )
                .await?;
        }
    }
    Ok(())
}

/// The deal ids, indexes and task ids of `(deal, index, task)` rows, as the array calls take
/// them.
fn columns(rows: &[(B256, u64, B256)]) -> (Vec<B256>, Vec<U256>, Vec<B256>) {
    let deals = rows.iter().map(|(deal, _, _)| *deal).collect();
    let indexes = rows
        .iter()
        .map(|(_, index, _)| U256::from(*index))
        .collect();
    let tasks = rows.iter().map(|(_, _, task)| *task).collect();
    (deals, indexes, tasks)
}

/// Sends the pass's chain actions: batches first, then one by one; every transaction is
/// recorded on its tasks until its receipt.
async fn execute(scheduler: &Scheduler, plan: Plan) -> Result<(), SchedulerError> {
    let batch = scheduler.config.max_batch;
    for chunk in plan.initialize.chunks(batch) {
        let (deal_ids, indexes, tasks) = columns(chunk);
        let call = IConfide::initializeArrayCall {
            dealIds: deal_ids,
            indexes,
        };
        send(scheduler, &tasks, &call).await?;
    }
    for chunk in plan.claim.chunks(batch) {
        let call = IConfide::claimArrayCall {
            taskIds: chunk.to_vec(),
        };
        send(scheduler, chunk, &call).await?;
    }
    for chunk in plan.initialize_and_claim.chunks(batch) {
        let (deal_ids, indexes, tasks) = columns(chunk);
        let call = IConfide::initializeAndClaimArrayCall {
            dealIds: deal_ids,
            indexes,
        };
        send(scheduler, &tasks, &call).await?;
    }
    for task in plan.reopen {
        send(scheduler, &[task], &IConfide::reopenCall { taskId: task }).await?;
    }
    for task in plan.finalize {
        let call = IConfide::finalizeCall {
            taskId: task.task_id,
            results: Bytes::from(task.results.unwrap_or_default()),
            resultsCallback: Bytes::from(task.results_callback.unwrap_or_default()),
        };
        send(scheduler, &[task.task_id], &call).await?;
    }
    Ok(())
}

/// Sends `call` for `tasks` and waits for its receipt. A revert is logged on the tasks (the
/// next pass reads the chain again); an unreachable node fails the pass.
async fn send<C: SolCall>(
    scheduler: &Scheduler,
    tasks: &[B256],
    call: &C,
) -> Result<(), SchedulerError> {
    let store = &scheduler.store;
    let from = scheduler.wallet_address();
    let what = C::SIGNATURE.split('(').next().unwrap_or(C::SIGNATURE);
    let hash = match chain::submit(&scheduler.chain, from, call).await {
        Ok(hash) => hash,
        Err(error) if chain::is_revert(&error) => {
            tracing::info!(tasks = tasks.len(), %error, "{what} not sent: the chain refuses it now");
            for task in tasks {
                store
                    .set_task_error(*task, Some(&error.to_string()))
                    .await?;
            }
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    store.set_pending_tx(tasks, Some(hash)).await?;
    let mined = scheduler.chain.receipt(hash).await;
    match mined {
        Ok(receipt) => {
            store.set_pending_tx(tasks, None).await?;
            if receipt.status() {
                tracing::info!(tasks = tasks.len(), tx = %hash, "{what} mined");
            } else {
                tracing::warn!(tasks = tasks.len(), tx = %hash, "{what} failed on-chain");
            }
            scheduler.wake();
            Ok(())
        }
        // Still pending (or the node is away): the next pass looks at it again.
        Err(error) => {
            tracing::warn!(tx = %hash, %error, "{what} sent, receipt not seen yet");
            Ok(())
        }
    }
}

fn saturate(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}
