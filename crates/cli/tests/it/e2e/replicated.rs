//! Replicated (non-TEE) tasks: trust 3, deterministic runs on independent workers, and a
//! dishonest worker who contributes a wrong result first and loses its stake.

use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::artifacts::bindings::IConfide;
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::workerpool::{ReplicateReport, WorkerRegistration};
use confide_protocol::{RequestOrder, Tag};
use confide_worker::SchedulerClient;

use super::flow::{FIRST_WORKER, REQUESTER, RLC, SCHEDULER, TASK_COMPLETED, run_e2e};
use super::stack::eventually;

#[test]
fn honest_workers_reach_consensus_and_the_dishonest_one_loses_its_stake() {
    run_e2e(async |stack, actors, wasm| {
        let app = actors.publish_app(wasm, RLC, Tag::NONE).await;
        let pool = actors.create_workerpool().await;
        stack.start_scheduler(
            SCHEDULER as u32,
            &pool.to_string(),
            &["--trust", "3", "--tag", "", "--price", "3000000000"],
        );
        let scheduler_url = stack.scheduler.as_ref().unwrap().url.clone();
        actors.deposit(REQUESTER, 100 * RLC).await;

        // The dishonest worker joins first and is given the first replicate.
        let rogue_index = FIRST_WORKER;
        let rogue = actors.key(rogue_index).clone();
        actors.deposit(rogue_index, 10 * RLC).await;
        let client = SchedulerClient::new(&scheduler_url, rogue.clone()).unwrap();
        client
            .register(&WorkerRegistration {
                capacity: 1,
                tee: false,
                version: "rogue".into(),
            })
            .await
            .unwrap();

        let deal = actors
            .request(
                app.address,
                None,
                RequestOrder {
                    volume: U256::from(1),
                    trust: U256::from(3),
                    params: r#"{"iexec_args":"--name Bob"}"#.into(),
                    ..RequestOrder::default()
                },
            )
            .await;
        let assignment = eventually(
            "the rogue's assignment",
            Duration::from_secs(60),
            || async { client.next().await.unwrap() },
        )
        .await;
        let task = assignment.authorization.chain_task_id;
        let wrong = B256::repeat_byte(0x66);
        let contribution = IConfide::contributeCall {
            taskId: task,
            resultHash: result_hash(task, wrong),
            resultSeal: result_seal(rogue.address(), task, wrong),
            enclaveChallenge: Address::ZERO,
            enclaveSign: Bytes::new(),
            authorizationSign: assignment.authorization.signature.clone(),
        };
        let mined = actors
            .chain
            .protocol_send(rogue.address(), &contribution)
            .await
            .unwrap();
        client
            .report(
                task,
                &ReplicateReport::Contributed {
                    result_hash: result_hash(task, wrong),
                    tx: mined.hash(),
                },
            )
            .await
            .unwrap();
        let rogue_stake = actors.chain.account(rogue.address()).await.unwrap();

        // Three honest workers outweigh it.
        for worker in FIRST_WORKER + 1..FIRST_WORKER + 4 {
            stack.start_worker(worker as u32, &["--tee", "none"]);
        }
        let tasks = actors.wait_for_deal(deal, Duration::from_secs(120)).await;
        assert_eq!(tasks, vec![task]);
        let view = actors.chain.task(task).await.unwrap();
        assert_eq!(view.status, TASK_COMPLETED);
        let expected = confide_protocol::result::web2_file_digest(b"Hello, Bob!\n").unwrap();
        assert_eq!(
            view.resultDigest, expected,
            "the consensus is the honest result"
        );
        assert_eq!(actors.read_plain_result(task).await, "Hello, Bob!\n");

        // The rogue's stake was seized; honest workers were rewarded and gained score.
        let after = actors.chain.account(rogue.address()).await.unwrap();
        assert_eq!(after.locked, U256::ZERO);
        assert!(
            after.stake < rogue_stake.stake + rogue_stake.locked,
            "the rogue kept its stake: {after:?}"
        );
        for worker in FIRST_WORKER + 1..FIRST_WORKER + 4 {
            let score = actors
                .chain
                .protocol_view(&IConfide::viewScoreCall {
                    _worker: actors.address(worker),
                })
                .await
                .unwrap();
            assert_eq!(score, U256::from(1), "worker {worker}'s score");
        }
    });
}
