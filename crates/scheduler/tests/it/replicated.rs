//! Replicated deals at trust 3: the consensus prediction hands out just enough replicates, a
//! dishonest worker loses its stake and score, the result is uploaded (checked against the
//! on-chain digest) and the task finalized with its location.

use std::io::Write;

use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::IConfide;
use confide_chain::scenario::RLC;
use confide_protocol::result::{ResultLocation, result_hash};
use confide_protocol::workerpool::{ReplicateReport, ReplicateState, TaskMode, TaskState};
use confide_storage::Storage;
use confide_storage::walk::ByteRange;

use crate::world::{SimWorker, World, digest_of, on_both_databases, result_zip};

on_both_databases!(trust_three_with_a_dishonest_worker);

/// `worker` asks, contributes `content`'s digest and reports it.
async fn contribute(world: &World, worker: &SimWorker, content: &[u8]) -> B256 {
    let assignment = worker.next_eventually().await;
    assert_eq!(assignment.mode, TaskMode::Replicated);
    assert_eq!(assignment.authorization.enclave_challenge, Address::ZERO);
    assert_eq!(assignment.sms_url, None);
    let task = assignment.authorization.chain_task_id;
    let digest = digest_of(content);
    let tx = world.contribute(&assignment, digest).await;
    let (status, body) = worker
        .report(
            task,
            &ReplicateReport::Contributed {
                result_hash: result_hash(task, digest),
                tx,
            },
        )
        .await;
    assert_eq!(status, 204, "{body}");
    task
}

/// `worker` reveals `content`'s digest and reports it.
async fn reveal(world: &World, worker: &SimWorker, task: B256, content: &[u8]) {
    let tx = world
        .reveal(worker.address(), task, digest_of(content))
        .await;
    let (status, body) = worker.report(task, &ReplicateReport::Revealed { tx }).await;
    assert_eq!(status, 204, "{body}");
}

async fn score(world: &World, worker: Address) -> U256 {
    world
        .chain
        .protocol_view(&IConfide::viewScoreCall { _worker: worker })
        .await
        .unwrap()
}

const HONEST: &[u8] = b"the app's result";
const LIES: &[u8] = b"a made-up result";

async fn trust_three_with_a_dishonest_worker(database: String) {
    let world = World::start(&database).await;
    let workers: Vec<SimWorker> = (0..5).map(|i| world.worker(i)).collect();
    for worker in &workers {
        let registered = worker.register(1, false).await;
        assert_eq!(registered.free_stake, U256::from(10 * RLC));
    }
    let [dishonest, h1, h2, h3, spare] = [0, 1, 2, 3, 4].map(|i| &workers[i]);

    // A first deal, all honest: two fresh workers agreeing reach trust 3; both gain a point.
    let first = world.replicated_deal(1, 3, 10).await;
    world.deal_tasks_in(first, 1, TaskState::Running).await;
    let task = contribute(&world, dishonest, HONEST).await;
    assert_eq!(contribute(&world, h1, HONEST).await, task);
    assert!(
        h2.next().await.is_none(),
        "two agreeing contributions are enough"
    );
    world.task_in(task, TaskState::ConsensusReached).await;
    assert_eq!(dishonest.heartbeat(vec![task]).await.reveal, vec![task]);
    reveal(&world, dishonest, task, HONEST).await;
    reveal(&world, h1, task, HONEST).await;
    assert_eq!(h1.heartbeat(vec![task]).await.upload, vec![task]);
    let (status, body) = h1.upload(task, result_zip(HONEST)).await;
    assert_eq!(status, 200, "{body}");
    world.task_in(task, TaskState::Completed).await;
    assert_eq!(score(&world, dishonest.address()).await, U256::from(1));
    assert_eq!(score(&world, h1.address()).await, U256::from(1));
    world.assert_funds_conserved().await;

    // The second deal: the dishonest worker contributes first.
    let second = world.replicated_deal(1, 3, 11).await;
    let task = world.deal_tasks_in(second, 1, TaskState::Running).await[0].task_id;
    let stake_before = world.chain.account(dishonest.address()).await.unwrap();
    assert_eq!(contribute(&world, dishonest, LIES).await, task);
    assert_eq!(contribute(&world, h1, HONEST).await, task);
    // 2 against 2: two more replicates are needed, not three.
    assert_eq!(contribute(&world, h2, HONEST).await, task);
    // With H2 contributed (4 against 2) one more pending replicate is predicted enough.
    assert_eq!(contribute(&world, h3, HONEST).await, task);
    assert!(
        spare.next().await.is_none(),
        "consensus needs no fifth replicate"
    );
    world.task_in(task, TaskState::ConsensusReached).await;
    assert!(dishonest.heartbeat(vec![task]).await.reveal.is_empty());
    for worker in [h1, h2, h3] {
        reveal(&world, worker, task, HONEST).await;
    }

    // Uploads: only a worker that revealed, only the result the chain agreed on.
    let (status, body) = dishonest.upload(task, result_zip(LIES)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("NOT_REVEALED")),
        "{body}"
    );
    let (status, body) = h1.upload(task, result_zip(LIES)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("DIGEST_MISMATCH")),
        "{body}"
    );
    let (status, body) = h1.upload(task, zip_bomb()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("INVALID_RESULT")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("inflates"),
        "{body}"
    );
    let (status, body) = h1.upload(task, path_trick()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("INVALID_RESULT")),
        "{body}"
    );
    let (status, body) = h1.upload(task, vec![7u8; 2_000]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("INVALID_RESULT")),
        "{body}"
    );
    let (status, body) = h2.upload(task, result_zip(HONEST)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resultDigest"], serde_json::json!(digest_of(HONEST)));
    let location = body["location"].as_str().unwrap().to_owned();
    // A second upload gets the same answer.
    let (status, again) = h3.upload(task, result_zip(HONEST)).await;
    assert_eq!((status, &again), (200, &body));

    let view = world.task_in(task, TaskState::Completed).await;
    assert_eq!(view.result_location.as_deref(), Some(location.as_str()));
    let onchain = world.chain.task(task).await.unwrap();
    assert_eq!(onchain.status, 3);
    let cid = location.strip_prefix("/ipfs/").unwrap();
    assert_eq!(
        ResultLocation::from_bytes(&onchain.results).unwrap(),
        ResultLocation::ipfs(cid)
    );
    let stored = Storage::get(&*world.storage, cid.parse().unwrap(), ByteRange::default())
        .await
        .unwrap();
    let stored = confide_storage::backend::collect(stored, 1 << 20)
        .await
        .unwrap();
    assert_eq!(stored, result_zip(HONEST));

    // Replicates: the dishonest one released, the winners completed (the uploader's upload
    // recorded first).
    for replicate in &view.replicates {
        let expected = if replicate.worker == dishonest.address() {
            ReplicateState::Released
        } else {
            ReplicateState::Completed
        };
        assert_eq!(replicate.state, expected, "{replicate:?}");
    }
    assert_eq!(view.replicates.len(), 4);

    // The dishonest worker lost its stake and its score; the honest ones gained a point.
    let stake_after = world.chain.account(dishonest.address()).await.unwrap();
    let deal = world.chain.deal(second).await.unwrap();
    assert_eq!(stake_after.stake, stake_before.stake - deal.workerStake);
    assert_eq!(stake_after.locked, U256::ZERO);
    assert_eq!(score(&world, dishonest.address()).await, U256::ZERO);
    assert_eq!(score(&world, h1.address()).await, U256::from(2));
    assert_eq!(score(&world, h2.address()).await, U256::from(1));
    let faulty = world
        .chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(world.chain.deployment().protocol)
                .event_signature(IConfide::FaultyContribution::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    let faulty: Vec<_> = faulty
        .iter()
        .map(|log| {
            IConfide::FaultyContribution::decode_log(&log.inner)
                .unwrap()
                .data
        })
        .collect();
    assert_eq!(faulty.len(), 1);
    assert_eq!(
        (faulty[0].worker, faulty[0].taskid),
        (dishonest.address(), task)
    );
    world.assert_funds_conserved().await;
}

/// `computed.json` and ten MiB of zeros deflated to a few KiB.
fn zip_bomb() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file("computed.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer
        .write_all(br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#)
        .unwrap();
    writer
        .start_file(
            "result.txt",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
    writer.write_all(&vec![0u8; 10 << 20]).unwrap();
    writer.finish().unwrap().into_inner()
}

/// A result whose files climb out of `iexec_out`.
fn path_trick() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("computed.json", options).unwrap();
    writer
        .write_all(br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#)
        .unwrap();
    writer.start_file("../result.txt", options).unwrap();
    writer.write_all(HONEST).unwrap();
    writer.finish().unwrap().into_inner()
}
