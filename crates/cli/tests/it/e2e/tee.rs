//! TEE tasks (simulated enclaves) end to end.

use std::time::Duration;

use confide_indexer::IndexerClient;
use confide_indexer::model::TaskStatus;

use super::flow::{Actors, FIRST_WORKER, runtime};
use super::stack::{Stack, eventually};

#[test]
fn protected_data_processed_by_tee_workers_reaches_the_requester_encrypted() {
    let Some(wasm) = confide_worker::testing::hello_app() else {
        return;
    };
    let mut stack = Stack::start();
    runtime().block_on(async {
        let actors = Actors::connect(&stack).await;
        let (funds_before, _) = actors.funds().await;
        let offer = actors.tee_offer(&mut stack, wasm, &[]).await;
        stack.start_worker(FIRST_WORKER as u32, &[]);
        stack.start_worker(FIRST_WORKER as u32 + 1, &[]);
        let deal = actors.request_tee(&offer, 2, "").await;
        let tasks = actors.wait_for_deal(deal, Duration::from_secs(120)).await;
        let indexer = IndexerClient::new(&stack.indexer.url).unwrap();
        for task in tasks {
            assert_eq!(
                actors.read_result(task, &offer.key).await,
                "Hello, Alice!\n"
            );
            // The indexer followed the task to its end, with the same results pointer.
            let indexed = eventually(
                "the indexer to see the task",
                Duration::from_secs(30),
                || {
                    let indexer = &indexer;
                    async move {
                        let details = indexer.task(task).await.ok().flatten()?;
                        (details.task.status == TaskStatus::Completed).then_some(details)
                    }
                },
            )
            .await;
            let on_chain = actors.chain.task(task).await.unwrap();
            assert_eq!(indexed.task.results, Some(on_chain.results));
        }
        actors.assert_conserved(funds_before).await;
    });
}
