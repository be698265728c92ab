//! Workers that go silent, and deadlines: nothing stays stuck.

use std::time::Duration;

use alloy_primitives::U256;
use alloy_provider::Provider;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IConfide;
use confide_protocol::result::result_hash;
use confide_protocol::workerpool::{ReplicateReport, ReplicateState, TaskState};

use crate::world::{World, digest_of, on_both_databases, result_zip, wait_until};

on_both_databases!(final_deadline_claims_every_unfinished_task_and_refunds_the_requester);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_workers_tee_replicate_goes_to_another_worker() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start_with(&crate::world::sqlite_in(&dir), |config| {
        config.timing.worker_timeout = Duration::from_millis(1_500);
    })
    .await;
    let deal = world.tee_deal(1, 20).await;
    let task = world.deal_tasks_in(deal, 1, TaskState::Running).await[0].task_id;
    let silent = world.worker(0);
    let alive = world.worker(1);
    silent.register(1, true).await;
    alive.register(1, true).await;
    let first = silent.next_eventually().await;
    assert_eq!(first.authorization.chain_task_id, task);
    // One active replicate at a time: the other worker waits, and keeps itself alive by asking
    // until the silent one is declared lost and its replicate comes free.
    let second = alive.next_eventually().await;
    assert_eq!(second.authorization.chain_task_id, task);
    assert_eq!(second.authorization.worker_wallet, alive.address());
    assert_eq!(
        second.authorization.enclave_challenge, first.authorization.enclave_challenge,
        "the SMS gives one challenge per task"
    );
    second
        .authorization
        .verify(world.roles.scheduler.address())
        .unwrap();
    let view = world.task(task).await;
    let states: Vec<_> = view
        .replicates
        .iter()
        .map(|r| (r.worker, r.state))
        .collect();
    assert_eq!(
        states,
        vec![
            (silent.address(), ReplicateState::Released),
            (alive.address(), ReplicateState::Assigned)
        ]
    );
    let tx = world.complete_tee(&alive, &second).await;
    alive.report(task, &ReplicateReport::Completed { tx }).await;
    world.task_in(task, TaskState::Completed).await;
    // The silent worker comes back: told to abandon the task.
    assert_eq!(silent.heartbeat(vec![task]).await.abandon, vec![task]);
    let workers = world.scheduler().worker_views().await.unwrap();
    assert!(
        workers
            .iter()
            .all(|w| !w.lost || w.worker != silent.address())
    );
    world.assert_funds_conserved().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reveal_before_the_reveal_deadline_reopens_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start(&crate::world::sqlite_in(&dir)).await;
    let deal = world.replicated_deal(1, 1, 30).await;
    let task = world.deal_tasks_in(deal, 1, TaskState::Running).await[0].task_id;
    let mute = world.worker(0);
    let honest = world.worker(1);
    mute.register(1, false).await;
    honest.register(1, false).await;
    let assignment = mute.next_eventually().await;
    assert!(honest.next().await.is_none(), "trust 1: one replicate");
    let digest = digest_of(b"result");
    let tx = world.contribute(&assignment, digest).await;
    mute.report(
        task,
        &ReplicateReport::Contributed {
            result_hash: result_hash(task, digest),
            tx,
        },
    )
    .await;
    world.task_in(task, TaskState::ConsensusReached).await;
    // Nobody reveals; the reveal window (2 × 300 s) passes.
    world.increase_time(601).await;
    world.task_in(task, TaskState::Running).await;
    let reopened = world
        .chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(world.chain.deployment().protocol)
                .event_signature(IConfide::TaskReopen::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    assert_eq!(reopened.len(), 1);
    // The rejected contribution no longer counts: another worker is handed the task.
    let view = world.task(task).await;
    assert_eq!(view.replicates[0].state, ReplicateState::Released);
    let assignment = honest.next_eventually().await;
    let tx = world.contribute(&assignment, digest).await;
    honest
        .report(
            task,
            &ReplicateReport::Contributed {
                result_hash: result_hash(task, digest),
                tx,
            },
        )
        .await;
    world.task_in(task, TaskState::ConsensusReached).await;
    let tx = world.reveal(honest.address(), task, digest).await;
    honest.report(task, &ReplicateReport::Revealed { tx }).await;
    let (status, body) = honest.upload(task, result_zip(b"result")).await;
    assert_eq!(status, 200, "{body}");
    world.task_in(task, TaskState::Completed).await;
    // The mute worker's stake was seized.
    let mute_account = world.chain.account(mute.address()).await.unwrap();
    assert_eq!(mute_account.locked, U256::ZERO);
    assert!(mute_account.stake < U256::from(10 * confide_chain::scenario::RLC));
    world.assert_funds_conserved().await;
}

async fn final_deadline_claims_every_unfinished_task_and_refunds_the_requester(database: String) {
    let world = World::start(&database).await;
    let requester = world.roles.requester.address();
    let before = world.chain.account(requester).await.unwrap();
    // Two TEE tasks nobody runs, and a TEE deal at trust 3 (skipped: never initialized).
    let idle = world.tee_deal(2, 40).await;
    let skipped = {
        let terms = confide_chain::scenario::Terms {
            trust: U256::from(3),
            salt: 41,
            ..confide_chain::scenario::Terms::tee()
        };
        world.deal(&world.tee_assets.clone(), &terms).await
    };
    world.deal_tasks_in(idle, 2, TaskState::Running).await;
    world.deal_tasks_in(skipped, 1, TaskState::Skipped).await;
    let locked = world.chain.account(requester).await.unwrap();
    assert!(locked.locked > U256::ZERO);

    // Past the final deadline (10 × 300 s).
    world.increase_time(3_001).await;
    let tasks = world.deal_tasks_in(idle, 2, TaskState::Failed).await;
    world.deal_tasks_in(skipped, 1, TaskState::Failed).await;
    for task in &tasks {
        assert_eq!(world.chain.task(task.task_id).await.unwrap().status, 4);
    }
    // The idle deal's two tasks in one claimArray.
    let claims = world
        .chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(world.chain.deployment().protocol)
                .event_signature(IConfide::TaskClaimed::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    assert_eq!(claims.len(), 3);
    let idle_ids: Vec<_> = tasks.iter().map(|t| t.task_id).collect();
    let idle_claims: std::collections::HashSet<_> = claims
        .iter()
        .filter(|log| {
            idle_ids.contains(
                &IConfide::TaskClaimed::decode_log(&log.inner)
                    .unwrap()
                    .taskid,
            )
        })
        .map(|log| log.transaction_hash)
        .collect();
    assert_eq!(idle_claims.len(), 1);
    // The requester has everything back.
    let after = wait_until("the refund", || async {
        let account = world.chain.account(requester).await.unwrap();
        (account.locked == U256::ZERO).then_some(account)
    })
    .await;
    assert_eq!(after.stake, before.stake);
    world.assert_funds_conserved().await;
}
