//! TEE deals: intake, one batched initialization, enclave challenges, assignment to TEE workers
//! within their capacity, completion by `contributeAndFinalize`.

use alloy_provider::Provider;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IConfide;
use confide_protocol::workerpool::{ReplicateReport, ReplicateState, TaskMode, TaskState};
use std::collections::HashSet;

use crate::world::{World, on_both_databases};

on_both_databases!(a_tee_deal_is_initialized_in_one_transaction_and_completed_by_tee_workers);

async fn a_tee_deal_is_initialized_in_one_transaction_and_completed_by_tee_workers(
    database: String,
) {
    let world = World::start(&database).await;
    let scheduler_nonce = world.nonce(world.roles.scheduler.address()).await;
    let deal = world.tee_deal(3, 1).await;
    let tasks = world.deal_tasks_in(deal, 3, TaskState::Running).await;

    // The three tasks were initialized by one transaction of the scheduler.
    let logs = world
        .chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(world.chain.deployment().protocol)
                .event_signature(IConfide::TaskInitialize::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    let ids: HashSet<_> = tasks.iter().map(|t| t.task_id).collect();
    let transactions: HashSet<_> = logs
        .iter()
        .filter(|log| {
            IConfide::TaskInitialize::decode_log(&log.inner)
                .is_ok_and(|event| ids.contains(&event.taskid))
        })
        .map(|log| log.transaction_hash.unwrap())
        .collect();
    assert_eq!(transactions.len(), 1, "one initializeArray for the deal");
    assert_eq!(
        world.nonce(world.roles.scheduler.address()).await,
        scheduler_nonce + 1
    );
    for task in &tasks {
        assert_eq!(task.mode, TaskMode::Tee);
        assert!(task.enclave_challenge.is_some(), "{task:?}");
    }

    // A worker without TEE gets nothing; a TEE worker gets one replicate per free slot.
    let standard = world.worker(0);
    standard.register(4, false).await;
    assert!(standard.next().await.is_none());
    let tee = world.worker(1);
    let registered = tee.register(2, true).await;
    assert_eq!(registered.workerpool, world.tee_assets.workerpool);
    assert_eq!(registered.scheduler, world.roles.scheduler.address());
    let first = tee.next_eventually().await;
    let second = tee.next_eventually().await;
    assert!(tee.next().await.is_none(), "capacity 2 is full");
    for assignment in [&first, &second] {
        let authorization = &assignment.authorization;
        assert_eq!(assignment.mode, TaskMode::Tee);
        assert_eq!(assignment.sms_url.as_deref(), Some(world.sms_url.as_str()));
        authorization
            .verify(world.roles.scheduler.address())
            .unwrap();
        let view = world.task(authorization.chain_task_id).await;
        assert_eq!(
            Some(authorization.enclave_challenge),
            view.enclave_challenge
        );
    }
    assert_ne!(
        first.authorization.chain_task_id,
        second.authorization.chain_task_id
    );

    // Completing one frees a slot for the third task.
    let tx = world.complete_tee(&tee, &first).await;
    let (status, body) = tee
        .report(
            first.authorization.chain_task_id,
            &ReplicateReport::Completed { tx },
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let third = tee.next_eventually().await;
    for assignment in [&second, &third] {
        let tx = world.complete_tee(&tee, assignment).await;
        tee.report(
            assignment.authorization.chain_task_id,
            &ReplicateReport::Completed { tx },
        )
        .await;
    }
    let done = world.deal_tasks_in(deal, 3, TaskState::Completed).await;
    for task in done {
        assert_eq!(task.replicates.len(), 1);
        assert_eq!(task.replicates[0].worker, tee.address());
        assert_eq!(task.replicates[0].state, ReplicateState::Completed);
        let onchain = world.chain.task(task.task_id).await.unwrap();
        assert_eq!(onchain.status, 3);
    }
    // The scheduler sent nothing more than the initialization.
    assert_eq!(
        world.nonce(world.roles.scheduler.address()).await,
        scheduler_nonce + 1
    );
    world.assert_funds_conserved().await;
}
