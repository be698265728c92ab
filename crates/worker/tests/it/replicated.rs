//! Replicated (non-TEE) tasks: several honest workers contribute, reach consensus and reveal.

use crate::world::{World, result_txt, test_policy};
use alloy_primitives::{B256, Bytes, U256};
use confide_chain::artifacts::bindings::IConfide;
use confide_chain::scenario::Terms;
use confide_protocol::result::{ResultLocation, result_hash, web2_file_digest};
use confide_worker::{Outcome, Progress};
use std::sync::{Arc, Mutex};

const TASK_REVEALING: u8 = 2;
const TASK_COMPLETED: u8 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_honest_workers_agree_reveal_and_the_scheduler_finalizes() {
    let Some(world) = World::start().await else {
        return;
    };
    // Fresh workers weigh 2 each: trust 5 needs all three contributions (2·2·2 × 5 >
    // (1 + 8) × 4, and 2·2 × 5 ≤ (1 + 4) × 4), so nobody comes after the consensus.
    let terms = Terms {
        trust: U256::from(5),
        params: r#"{"iexec_args":"--name Replicas"}"#.into(),
        ..Terms::default()
    };
    let deal = world.deal(world.app, None, &terms).await;
    let task_id = world.initialize(deal, 0).await;
    let workers = world.roles.workers.clone();
    let mut executors = Vec::new();
    for worker in &workers {
        // In the wallet only: the executor deposits the stake it needs.
        world.fund(worker.address(), 10).await;
        executors.push(world.executor(worker, false, test_policy()).await);
    }

    let progress = Arc::new(Mutex::new(Vec::new()));
    let runs: Vec<_> = executors
        .iter()
        .zip(&workers)
        .map(|(executor, worker)| {
            let executor = executor.clone();
            let progress = progress.clone();
            let request = crate::world::request(
                deal,
                0,
                worker.address(),
                alloy_primitives::Address::ZERO,
                &world.roles.scheduler,
                &world.sms_url,
            );
            tokio::spawn(async move {
                executor
                    .execute_with_progress(&request, &move |step| {
                        progress.lock().unwrap().push(step)
                    })
                    .await
            })
        })
        .collect();
    // If a worker fails, the others would wait for a consensus that cannot come: a deadline
    // turns that into a failure naming the cause.
    let outcomes = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        futures_util::future::try_join_all(
            runs.into_iter().map(|run| async { run.await.unwrap() }),
        ),
    )
    .await
    .expect("the three workers end")
    .unwrap();

    let digest = web2_file_digest(b"Hello, Replicas!\n").unwrap();
    let mut zips = Vec::new();
    for outcome in &outcomes {
        let Outcome::Revealed {
            result_hash: hash,
            result_digest,
            tx,
            result_zip,
            results_callback,
        } = outcome
        else {
            panic!("replicated tasks are revealed: {outcome:?}");
        };
        assert_eq!(*hash, result_hash(task_id, digest));
        assert_eq!(*result_digest, digest);
        assert!(tx.is_some());
        assert_eq!(*results_callback, None);
        zips.push(std::fs::read(result_zip).unwrap());
    }
    assert!(
        zips.windows(2).all(|pair| pair[0] == pair[1]),
        "identical zips"
    );
    assert_eq!(result_txt(&zips[0]), "Hello, Replicas!\n");
    let contributed = progress
        .lock()
        .unwrap()
        .iter()
        .filter(|step| matches!(step, Progress::Contributed { tx: Some(_), .. }))
        .count();
    assert_eq!(contributed, 3);

    let task = world.chain.task(task_id).await.unwrap();
    assert_eq!(task.status, TASK_REVEALING);
    assert_eq!(task.revealCounter, U256::from(3));
    assert_eq!(task.resultDigest, digest);

    // A restarted worker finds its contribution and reveal on-chain and sends nothing again.
    let again = executors[0]
        .execute(&crate::world::request(
            deal,
            0,
            workers[0].address(),
            alloy_primitives::Address::ZERO,
            &world.roles.scheduler,
            &world.sms_url,
        ))
        .await
        .unwrap();
    assert!(
        matches!(again, Outcome::Revealed { tx: None, .. }),
        "{again:?}"
    );

    // The scheduler stores the result and finalizes.
    let (cid, _) = world.store(zips[0].clone()).await;
    let results = Bytes::from(ResultLocation::ipfs(&cid.to_string()).to_bytes());
    let stakes_before: Vec<U256> = {
        let mut stakes = Vec::new();
        for worker in &workers {
            stakes.push(world.chain.account(worker.address()).await.unwrap().stake);
        }
        stakes
    };
    world
        .chain
        .protocol_send(
            world.roles.scheduler.address(),
            &IConfide::finalizeCall {
                taskId: task_id,
                results: results.clone(),
                resultsCallback: Bytes::new(),
            },
        )
        .await
        .unwrap();
    let task = world.chain.task(task_id).await.unwrap();
    assert_eq!(task.status, TASK_COMPLETED);
    assert_eq!(task.results, results);
    for (worker, before) in workers.iter().zip(stakes_before) {
        let after = world.chain.account(worker.address()).await.unwrap().stake;
        assert!(after > before, "{} was paid", worker.address());
    }

    for (executor, _) in executors.iter().zip(&workers) {
        executor.discard_result(task_id).unwrap();
        assert!(!executor.result_zip_path(task_id).exists());
    }
    assert_ne!(task_id, B256::ZERO);
}
