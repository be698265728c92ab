//! Deal intake: the pool's `SchedulerNotice` logs, with confirmations, become deals and one
//! task row per index in `[botFirst, botFirst + botSize)`, recorded with the watcher's checkpoint
//! in one transaction (a restart resumes with no gap and no duplicate; a reorg retracts what
//! was read from the dropped blocks).
//!
//! A deal is recorded as skipped (its tasks are only claimed at their final deadline) when it
//! cannot run here: a TEE deal with trust > 1 (TEE tasks complete with `contributeAndFinalize`,
//! which needs trust 1), a TEE deal naming no TEE framework or with no SMS configured, a deal
//! received past its contribution deadline, or a deal of more tasks than one scheduler tracks.

use crate::chain::{self, Chain};
use crate::error::SchedulerError;
use crate::service::{Scheduler, pause, unix_ms};
use crate::store::{NewDeal, NewTask};
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IConfide;
use confide_chain::client::{WatchCheckpoint, WatchUpdate};
use confide_protocol::Tag;
use confide_protocol::consensus::task_deadlines;
use confide_protocol::ids::task_id;
use confide_protocol::workerpool::TaskMode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::watch;

/// Most tasks of one deal the scheduler tracks (a larger deal is skipped, not half-run).
pub const MAX_TASKS_PER_DEAL: u64 = 100_000;

/// Follows the chain until stopped; a failure is logged and the watcher resumes from the
/// stored checkpoint after a backoff.
pub(crate) async fn run(scheduler: Arc<Scheduler>, mut stopped: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match session(&scheduler, &mut stopped).await {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(%error, ?backoff, "deal watcher failed; resuming from its checkpoint");
            }
        }
        if pause(backoff, None, &mut stopped).await {
            return;
        }
        backoff = (backoff * 2).min(scheduler.config.timing.max_backoff);
    }
}

/// Watches from the stored checkpoint until stopped (Ok) or something fails.
async fn session(
    scheduler: &Scheduler,
    stopped: &mut watch::Receiver<bool>,
) -> Result<(), SchedulerError> {
    let store = &scheduler.store;
    let checkpoint = match store.checkpoint().await? {
        Some(checkpoint) => checkpoint,
        None => {
            let start = match scheduler.config.start_block {
                Some(block) => block,
                None => scheduler.chain.block_number().await?,
            };
            let checkpoint = WatchCheckpoint::starting_at(start);
            store
                .apply_intake(None, &[], &checkpoint, unix_ms())
                .await?;
            checkpoint
        }
    };
    scheduler
        .watched_block
        .store(checkpoint.next_block, Ordering::Release);
    let mut watcher = scheduler.chain.resume_watch(
        filter(scheduler),
        checkpoint,
        scheduler.config.confirmations,
    );
    loop {
        if *stopped.borrow() {
            return Ok(());
        }
        match watcher.poll().await? {
            None => {
                if pause(scheduler.config.timing.poll_interval, None, stopped).await {
                    return Ok(());
                }
                continue;
            }
            Some(WatchUpdate::Logs(logs)) => {
                let mut deals = Vec::new();
                for log in &logs {
                    if let Some(notice) = log.decode::<IConfide::SchedulerNotice>()
                        && notice.workerpool == scheduler.config.workerpool
                    {
                        deals.push(read_deal(scheduler, notice.dealid, log.block_number()).await?);
                    }
                }
                store
                    .apply_intake(None, &deals, &watcher.checkpoint(), unix_ms())
                    .await?;
                for deal in &deals {
                    match &deal.skipped {
                        None => tracing::info!(
                            deal = %deal.deal_id,
                            tasks = deal.tasks.len(),
                            mode = ?deal.mode,
                            "deal received"
                        ),
                        Some(reason) => {
                            tracing::info!(deal = %deal.deal_id, reason, "deal skipped")
                        }
                    }
                }
                if !deals.is_empty() {
                    scheduler.wake();
                }
            }
            Some(WatchUpdate::Reorg { from_block }) => {
                tracing::warn!(
                    from_block,
                    "reorg: deals noticed from this block are retracted"
                );
                store
                    .apply_intake(Some(from_block), &[], &watcher.checkpoint(), unix_ms())
                    .await?;
            }
        }
        scheduler
            .watched_block
            .store(watcher.next_block(), Ordering::Release);
    }
}

/// The pool's `SchedulerNotice` logs.
fn filter(scheduler: &Scheduler) -> Filter {
    Filter::new()
        .address(scheduler.chain.deployment().protocol)
        .event_signature(IConfide::SchedulerNotice::SIGNATURE_HASH)
        .topic1(scheduler.config.workerpool.into_word())
}

/// The deal `deal_id` as the scheduler records it.
async fn read_deal(
    scheduler: &Scheduler,
    deal_id: B256,
    block: u64,
) -> Result<NewDeal, SchedulerError> {
    let chain: &Chain = &scheduler.chain;
    let deal = chain.deal(deal_id).await?;
    let time_ref = chain
        .protocol_view(&IConfide::viewCategoryCall {
            _catid: deal.category,
        })
        .await?
        .workClockTimeRef;
    let deadlines = task_deadlines(saturate(deal.startTime), saturate(time_ref));
    let now = chain::chain_time(chain).await?;
    let tag = Tag(deal.tag);
    let mode = if tag.is_tee() {
        TaskMode::Tee
    } else {
        TaskMode::Replicated
    };
    let trust = saturate(deal.trust).max(1);
    let bot_first = saturate(deal.botFirst);
    let bot_size = saturate(deal.botSize);
    let skipped = if mode == TaskMode::Tee && trust > 1 {
        Some(format!(
            "a TEE deal with trust {trust} (TEE tasks complete with contributeAndFinalize, which needs trust 1)"
        ))
    } else if mode == TaskMode::Tee && tag.framework().is_none() {
        Some("a TEE deal whose tag names no TEE framework".to_owned())
    } else if mode == TaskMode::Tee && scheduler.sms.is_none() {
        Some("a TEE deal and no SMS is configured".to_owned())
    } else if now >= deadlines.contribution {
        Some(format!(
            "received at {now}, past its contribution deadline {}",
            deadlines.contribution
        ))
    } else if bot_size > MAX_TASKS_PER_DEAL {
        Some(format!(
            "{bot_size} tasks, more than the {MAX_TASKS_PER_DEAL} a scheduler tracks per deal"
        ))
    } else {
        None
    };
    // A deal too large to track is not expanded into rows at all.
    let tracked = if bot_size > MAX_TASKS_PER_DEAL {
        0
    } else {
        bot_size
    };
    let tasks = (bot_first..bot_first.saturating_add(tracked))
        .map(|index| NewTask {
            task_id: task_id(deal_id, U256::from(index)),
            index,
        })
        .collect();
    Ok(NewDeal {
        deal_id,
        block,
        mode,
        trust,
        bot_first,
        bot_size,
        skipped,
        callback: deal.callback,
        worker_stake: deal.workerStake,
        contribution_deadline: deadlines.contribution,
        final_deadline: deadlines.final_deadline,
        tasks,
    })
}

fn saturate(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}
