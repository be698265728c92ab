//! TEE tasks (simulated enclaves) end to end.

use std::time::Duration;

use confide_indexer::IndexerClient;
use confide_indexer::model::TaskStatus;

use super::flow::{FIRST_WORKER, run_e2e};
use super::stack::eventually;

#[test]
fn protected_data_processed_by_tee_workers_reaches_the_requester_encrypted() {
    run_e2e(async |stack, actors, wasm| {
        let offer = actors.tee_offer(stack, wasm, &[]).await;
        stack.start_worker(FIRST_WORKER as u32, &[]);
        stack.start_worker(FIRST_WORKER as u32 + 1, &[]);
        let deal = actors.request_tee(&offer, 2, "").await;
        let tasks = actors.expect_greetings(deal, &offer).await;
        let indexer = IndexerClient::new(&stack.indexer.url).unwrap();
        for task in tasks {
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
    });
}
