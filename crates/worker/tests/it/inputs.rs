//! Other inputs: bulk slices of datasets, input files over HTTP.

use crate::world::{World, result_txt, tee_terms, test_policy};
use alloy_primitives::{U256, keccak256};
use confide_crypto::seal::{SealFormat, SealKey};
use confide_protocol::order::DatasetOrder;
use confide_protocol::tag::TagBit;
use confide_protocol::{SignedOrder, Tag};
use confide_worker::{Outcome, ReplicateCause};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_slice_of_two_datasets() {
    let Some(world) = World::start().await else {
        return;
    };
    let requester = world.roles.requester.address();
    let mut orders = Vec::new();
    for name in ["Ann", "Bob"] {
        let key = SealKey::generate().unwrap();
        let dataset = world
            .protect(&[("name", name)], &key, SealFormat::Confide, None)
            .await;
        world.push_dataset_key(dataset, &key).await;
        // A bulk-grade order (volume 2^53 − 1), for this app and requester only.
        let order = DatasetOrder {
            dataset,
            datasetprice: U256::ZERO,
            volume: U256::from(9_007_199_254_740_991_u64),
            tag: Tag::from_bits(&[TagBit::Tee]).0,
            apprestrict: world.app,
            requesterrestrict: requester,
            salt: keccak256(name),
            ..DatasetOrder::default()
        };
        orders.push(
            SignedOrder::sign(order, &world.chain.domain(), &world.roles.data_owner).unwrap(),
        );
    }
    let (slice, _) = world.store(serde_json::to_vec(&orders).unwrap()).await;
    let (manifest, _) = world
        .store(serde_json::to_vec(&[slice.to_string()]).unwrap())
        .await;
    let deal = world
        .deal(
            world.app,
            None,
            &tee_terms(&format!(r#"{{"bulk_cid":"{manifest}"}}"#)),
        )
        .await;
    world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let executor = world.executor(&worker, true, test_policy()).await;
    let request = world.request(deal, 0, worker.address(), true).await;
    let Outcome::Completed { results, .. } = executor.execute(&request).await.unwrap() else {
        panic!("a TEE task completes");
    };
    let zip = world.fetch_results(&results).await;
    assert_eq!(result_txt(&zip), "Hello, Ann!\nHello, Bob!\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_files_are_fetched_and_a_missing_one_fails_the_task() {
    let Some(world) = World::start().await else {
        return;
    };
    let app = axum::Router::new().route(
        "/input.txt",
        axum::routing::get(|| async { "the quick brown fox" }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let worker = world.roles.worker.clone();
    let executor = world.executor(&worker, true, test_policy()).await;

    for (path, expected) in [
        ("input.txt", None),
        (
            "missing.txt",
            Some(ReplicateCause::PreComputeInputFileDownloadFailed),
        ),
    ] {
        let params = format!(r#"{{"iexec_input_files":["http://{address}/{path}"]}}"#);
        let deal = world.deal(world.app, None, &tee_terms(&params)).await;
        world.initialize(deal, 0).await;
        let request = world.request(deal, 0, worker.address(), true).await;
        match (executor.execute(&request).await, expected) {
            (Ok(Outcome::Completed { .. }), None) => {}
            (Err(failure), Some(cause)) => assert_eq!(failure.cause, cause, "{failure}"),
            (other, _) => panic!("{path}: {other:?}"),
        }
    }
    server.abort();
}
