//! Failed replicates: a worker's fault gives the task to another worker, a task's fault stops
//! it (it is claimed at its final deadline).

use confide_protocol::replicate::{ReplicateCause, ReplicateFailure};
use confide_protocol::workerpool::{ReplicateReport, ReplicateState, TaskState};

use crate::world::{World, sqlite_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workers_fault_reassigns_and_a_tasks_fault_stops_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start(&sqlite_in(&dir)).await;
    let deal = world.tee_deal(1, 70).await;
    let task = world.deal_tasks_in(deal, 1, TaskState::Running).await[0].task_id;
    let [first, second, third] = [0, 1, 2].map(|i| world.worker(i));
    for worker in [&first, &second, &third] {
        worker.register(1, true).await;
    }
    assert_eq!(
        first.next_eventually().await.authorization.chain_task_id,
        task
    );
    assert!(second.next().await.is_none(), "one TEE replicate at a time");

    // The SMS was unreachable for the first worker: someone else may succeed.
    let failure = ReplicateFailure::new(task, ReplicateCause::TeeSessionFailed, "SMS down");
    let (status, body) = first
        .report(task, &ReplicateReport::Failed(failure.clone()))
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        second.next_eventually().await.authorization.chain_task_id,
        task
    );
    // Never the same worker twice.
    assert!(first.next().await.is_none());

    // The app itself fails: nobody else gets the task.
    let crash = ReplicateFailure::new(task, ReplicateCause::AppComputeFailed, "exit code 1");
    second
        .report(task, &ReplicateReport::Failed(crash.clone()))
        .await;
    let view = world.task_in(task, TaskState::RunningFailed).await;
    assert!(third.next().await.is_none());
    assert_eq!(view.last_error.as_deref(), Some(crash.to_string().as_str()));
    let failures: Vec<_> = view
        .replicates
        .iter()
        .map(|r| (r.state, r.failure.as_ref().map(|f| f.cause)))
        .collect();
    assert_eq!(
        failures,
        vec![
            (
                ReplicateState::Failed,
                Some(ReplicateCause::TeeSessionFailed)
            ),
            (
                ReplicateState::Failed,
                Some(ReplicateCause::AppComputeFailed)
            ),
        ]
    );
    // A failure naming another task is refused.
    let mismatched = ReplicateFailure::new(deal, ReplicateCause::WorkerFailure, "?");
    let (status, _) = second
        .report(task, &ReplicateReport::Failed(mismatched))
        .await;
    assert_eq!(status, 400);

    // Its final deadline passes: claimed, the requester refunded.
    world.increase_time(3_001).await;
    world.task_in(task, TaskState::Failed).await;
    world.assert_funds_conserved().await;
}
