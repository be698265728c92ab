//! A scheduler stopped mid-deal and started again on its database resumes every task from the
//! chain: no deal missed while it was down, none recorded twice, no transaction sent twice.

use alloy_primitives::B256;
use confide_protocol::result::result_hash;
use confide_protocol::workerpool::{ReplicateReport, ReplicateState, TaskState};

use crate::world::{World, digest_of, on_both_databases, result_zip};

on_both_databases!(a_restarted_scheduler_resumes_without_duplicates);

async fn a_restarted_scheduler_resumes_without_duplicates(database: String) {
    let mut world = World::start(&database).await;
    let scheduler = world.roles.scheduler.address();
    let nonce_at_start = world.nonce(scheduler).await;

    // A TEE deal of two tasks, both handed to one worker.
    let first = world.tee_deal(2, 50).await;
    world.deal_tasks_in(first, 2, TaskState::Running).await;
    let worker = world.worker(1);
    worker.register(2, true).await;
    let a = worker.next_eventually().await;
    let b = worker.next_eventually().await;

    // The scheduler goes down. Meanwhile the worker completes one task (its report is lost)
    // and a second deal is matched.
    world.stop_scheduler().await;
    world.complete_tee(&worker, &b).await;
    let second = world.tee_deal(1, 51).await;

    world.start_scheduler().await;
    let worker = world.worker(1);
    world
        .task_in(b.authorization.chain_task_id, TaskState::Completed)
        .await;
    let second_tasks = world.deal_tasks_in(second, 1, TaskState::Running).await;
    assert_eq!(world.tasks_of(first).await.len(), 2);
    assert_eq!(world.scheduler().store().deal_count().await.unwrap(), 2);
    let view = world.task(b.authorization.chain_task_id).await;
    assert_eq!(view.replicates[0].state, ReplicateState::Completed);

    // The worker goes on with the new scheduler.
    let tx = world.complete_tee(&worker, &a).await;
    let (status, body) = worker
        .report(
            a.authorization.chain_task_id,
            &ReplicateReport::Completed { tx },
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let c = worker.next_eventually().await;
    assert_eq!(c.authorization.chain_task_id, second_tasks[0].task_id);
    world.complete_tee(&worker, &c).await;
    world.deal_tasks_in(first, 2, TaskState::Completed).await;
    world.deal_tasks_in(second, 1, TaskState::Completed).await;

    // A replicated task whose consensus is reached before the stop and revealed while the
    // scheduler is down: the new scheduler takes the result and finalizes.
    let third = world.replicated_deal(1, 1, 52).await;
    let task: B256 = world.deal_tasks_in(third, 1, TaskState::Running).await[0].task_id;
    let standard = world.worker(2);
    standard.register(1, false).await;
    let assignment = standard.next_eventually().await;
    let digest = digest_of(b"restart");
    let tx = world.contribute(&assignment, digest).await;
    standard
        .report(
            task,
            &ReplicateReport::Contributed {
                result_hash: result_hash(task, digest),
                tx,
            },
        )
        .await;
    world.task_in(task, TaskState::ConsensusReached).await;
    world.drop_scheduler();
    world.reveal(standard.address(), task, digest).await;
    world.start_scheduler().await;
    let standard = world.worker(2);
    let upload = standard.heartbeat(vec![task]).await;
    assert!(upload.abandon.is_empty());
    let (status, body) = standard.upload(task, result_zip(b"restart")).await;
    assert_eq!(status, 200, "{body}");
    world.task_in(task, TaskState::Completed).await;

    // One initializeArray per deal and one finalize: nothing sent twice, nothing failed.
    assert_eq!(world.nonce(scheduler).await, nonce_at_start + 4);
    world.assert_funds_conserved().await;
}
