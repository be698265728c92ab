//! What goes wrong in a real deployment, and how every task still ends COMPLETED or claimed
//! with every token accounted for: a worker killed mid-task, a scheduler restarted mid-deal,
//! an SMS and a storage node briefly down, a task nobody runs past its deadline.

use std::time::Duration;

use alloy_primitives::U256;
use alloy_provider::Provider as _;
use confide_chain::artifacts::bindings::IConfide;

use super::flow::{FIRST_WORKER, REQUESTER, TASK_COMPLETED, TASK_FAILED, run_e2e};
use super::stack::eventually;

/// Fast heartbeats, so a lost worker is noticed within seconds.
const QUICK_LOSS: [&str; 4] = ["--heartbeat-interval", "1", "--worker-timeout", "3"];

/// The tasks the worker's status endpoint says it runs.
fn running(worker_url: &str) -> Vec<String> {
    let addr = worker_url.trim_start_matches("http://").parse().unwrap();
    let Ok((200, body)) = crate::http(addr, "GET /health HTTP/1.1", b"") else {
        return Vec::new();
    };
    let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
    status["status"]["running"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_worker_killed_mid_task_is_replaced_and_the_task_completes() {
    run_e2e(async |stack, actors, wasm| {
        let offer = actors.tee_offer(stack, wasm, &QUICK_LOSS).await;
        let first = stack.start_worker(FIRST_WORKER as u32, &[]);
        let deal = actors.request_tee(&offer, 1, "--delay-ms 4000").await;
        let url = stack.workers[first].url.clone();
        eventually(
            "the first worker to start the task",
            Duration::from_secs(60),
            || {
                let url = url.clone();
                async move { (!running(&url).is_empty()).then_some(()) }
            },
        )
        .await;
        stack.workers[first].kill();
        stack.start_worker(FIRST_WORKER as u32 + 1, &[]);
        actors.expect_greetings(deal, &offer).await;
    });
}

#[test]
fn a_scheduler_restarted_mid_deal_resumes_every_task() {
    run_e2e(async |stack, actors, wasm| {
        let offer = actors.tee_offer(stack, wasm, &QUICK_LOSS).await;
        stack.start_worker(FIRST_WORKER as u32, &["--capacity", "1"]);
        let deal = actors.request_tee(&offer, 3, "--delay-ms 2000").await;
        let first = confide_protocol::ids::task_id(deal, U256::ZERO);
        eventually(
            "the first task to complete",
            Duration::from_secs(60),
            || async {
                (actors.chain.task(first).await.ok()?.status == TASK_COMPLETED).then_some(())
            },
        )
        .await;
        let scheduler = stack.scheduler.as_mut().unwrap();
        scheduler.kill();
        let last = confide_protocol::ids::task_id(deal, U256::from(2));
        assert_ne!(
            actors.chain.task(last).await.unwrap().status,
            TASK_COMPLETED,
            "the scheduler stopped mid-deal"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        scheduler.restart();
        actors.expect_greetings(deal, &offer).await;
    });
}

#[test]
fn an_sms_and_a_storage_node_briefly_down_delay_the_task_but_do_not_fail_it() {
    run_e2e(async |stack, actors, wasm| {
        let offer = actors.tee_offer(stack, wasm, &QUICK_LOSS).await;
        stack.start_worker(FIRST_WORKER as u32, &[]);
        stack.start_worker(FIRST_WORKER as u32 + 1, &[]);

        // The SMS is down when the task starts (enclave challenge, then the worker's session).
        stack.sms.kill();
        let deal = actors.request_tee(&offer, 1, "").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        stack.sms.restart();
        actors.expect_greetings(deal, &offer).await;

        // The storage node is down when the next task fetches its app and data.
        stack.storage.kill();
        let deal = actors.request_tee(&offer, 1, "").await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        stack.storage.restart();
        actors.expect_greetings(deal, &offer).await;
    });
}

#[test]
fn a_task_nobody_runs_is_claimed_at_its_deadline_and_the_requester_refunded() {
    run_e2e(async |stack, actors, wasm| {
        let offer = actors.tee_offer(stack, wasm, &[]).await;
        let requester = actors.address(REQUESTER);
        let before = actors.chain.account(requester).await.unwrap();
        let kitty = actors
            .chain
            .protocol_view(&IConfide::kitty_addressCall {})
            .await
            .unwrap();
        let kitty_before = actors.chain.account(kitty).await.unwrap();
        // No worker: the task is initialized and waits.
        let deal = actors.request_tee(&offer, 1, "").await;
        let task = confide_protocol::ids::task_id(deal, U256::ZERO);
        eventually(
            "the task to be initialized",
            Duration::from_secs(60),
            || async { (actors.chain.task(task).await.ok()?.status == 1).then_some(()) },
        )
        .await;
        assert!(actors.chain.account(requester).await.unwrap().locked > U256::ZERO);
        // The next block is past the task's final deadline (10 × 300 s after the deal for
        // category XS).
        let deadline = actors.chain.task(task).await.unwrap().finalDeadline;
        let provider = actors.chain.provider();
        let _: serde_json::Value = provider
            .raw_request(
                "evm_setNextBlockTimestamp".into(),
                (deadline.to::<u64>() + 1,),
            )
            .await
            .unwrap();
        let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await.unwrap();
        eventually(
            "the scheduler to claim the task",
            Duration::from_secs(60),
            || async { (actors.chain.task(task).await.ok()?.status == TASK_FAILED).then_some(()) },
        )
        .await;
        let after = actors.chain.account(requester).await.unwrap();
        assert_eq!(
            after.locked,
            U256::ZERO,
            "the requester's payment is unlocked"
        );
        assert_eq!(after.stake, before.stake, "the requester is refunded");
        let kitty_after = actors.chain.account(kitty).await.unwrap();
        assert!(
            kitty_after.locked > kitty_before.locked,
            "the workerpool's stake is seized into the kitty"
        );
    });
}
