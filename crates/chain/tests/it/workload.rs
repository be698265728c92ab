//! The TEE task workload of the `devchain_tasks` benchmark, run for two tasks on a persisted
//! dev chain: every transaction mined with status 1, the tasks COMPLETED, the money where it
//! should be, and the chain reopening to the same state.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::IConfide;
use confide_chain::devchain::workload::{TeeWorkload, WorkloadError};
use confide_chain::devchain::{CallRequest, DevChain, DevChainConfig};
use confide_chain::scenario::{RLC, task_status};

/// `viewAccount(who)`: (free, locked) SRLC.
fn srlc(chain: &DevChain, who: Address) -> (U256, U256) {
    let outcome = chain
        .call(
            &CallRequest {
                to: Some(chain.protocol().address),
                input: IConfide::viewAccountCall { account: who }
                    .abi_encode()
                    .into(),
                ..CallRequest::default()
            },
            BlockNumberOrTag::Latest,
        )
        .unwrap();
    let account = outcome.decode::<IConfide::viewAccountCall>().unwrap();
    (account.stake, account.locked)
}

#[test]
fn two_tee_tasks_complete_as_signed_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = DevChain::open(dir.path(), DevChainConfig::default()).unwrap();
    let mut workload = TeeWorkload::setup(&mut chain, 2).unwrap();
    let requester = workload.actors().requester.address();
    assert_eq!(srlc(&chain, requester), (U256::from(16 * RLC), U256::ZERO));

    let tasks = workload.build_tasks(2).unwrap();
    assert_ne!(tasks[0].task, tasks[1].task);
    let before = chain.block_number();
    for task in &tasks {
        task.submit(&mut chain).unwrap();
    }
    // Automining: one block per transaction.
    assert_eq!(chain.block_number() - before, 6);
    for task in &tasks {
        workload.check_completed(&chain, task.task).unwrap();
        for tx in &task.transactions {
            let receipt = chain.receipt(&tx.hash).unwrap();
            assert!(receipt.status, "{}", tx.label);
            assert_eq!(receipt.tx_type, alloy_consensus::TxType::Eip1559);
        }
    }
    // The requester paid exactly two tasks (8 RLC each); the app developer earned 1 RLC and
    // the data owner 2 RLC per task.
    assert_eq!(srlc(&chain, requester), (U256::ZERO, U256::ZERO));
    let actors = workload.actors();
    assert_eq!(
        srlc(&chain, actors.app_developer.address()),
        (U256::from(2 * RLC), U256::ZERO)
    );
    assert_eq!(
        srlc(&chain, actors.data_owner.address()),
        (U256::from(4 * RLC), U256::ZERO)
    );

    // The journal holds it all.
    let latest = chain.latest_block().hash;
    drop(chain);
    let chain = DevChain::open(dir.path(), DevChainConfig::default()).unwrap();
    assert_eq!(chain.latest_block().hash, latest);
    for task in &tasks {
        workload.check_completed(&chain, task.task).unwrap();
    }
}

#[test]
fn an_unsubmitted_task_is_reported_not_completed() {
    let mut chain = DevChain::new(DevChainConfig {
        sync: false,
        ..DevChainConfig::default()
    })
    .unwrap();
    let mut workload = TeeWorkload::setup(&mut chain, 1).unwrap();
    let task = workload.build_task().unwrap();
    match workload.check_completed(&chain, task.task) {
        Err(WorkloadError::NotCompleted { task: id, status }) => {
            assert_eq!((id, status), (task.task, task_status::UNSET));
        }
        other => panic!("expected NotCompleted, got {other:?}"),
    }
    // Its transactions out of order: the worker's comes before the match and fails on-chain.
    let [_, _, contribute] = &task.transactions;
    let mut first_worker_tx = task.clone();
    first_worker_tx.transactions = [
        contribute.clone(),
        task.transactions[0].clone(),
        task.transactions[1].clone(),
    ];
    match first_worker_tx.submit(&mut chain) {
        Err(WorkloadError::Failed { label, .. }) => assert_eq!(label, "contributeAndFinalize"),
        other => panic!("expected a failed contributeAndFinalize, got {other:?}"),
    }
}
