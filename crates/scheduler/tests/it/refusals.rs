//! What the API refuses, with which code.

use alloy_primitives::B256;
use confide_protocol::workerpool::{
    ReplicateReport, TaskState, WorkerRegistration, sign_worker_request,
};

use crate::world::{World, answer, sqlite_in};

fn code(answer: &(u16, serde_json::Value)) -> (u16, &str) {
    (answer.0, answer.1["error"].as_str().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_are_refused_unless_fresh_and_by_a_registered_worker() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start(&sqlite_in(&dir)).await;
    let worker = world.worker(0);
    let other = world.worker(1);

    // No headers at all.
    let response = reqwest::Client::new()
        .post(format!("{}/replicates/next", world.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(code(&answer(response).await), (401, "MISSING_SIGNATURE"));

    // A valid signature of a worker that never registered.
    assert_eq!(
        code(&worker.call("POST", "/replicates/next", Vec::new()).await),
        (403, "UNKNOWN_WORKER")
    );
    worker.register(1, true).await;

    // Signed by someone else than the worker named.
    let mut forged = sign_worker_request(
        &other.signer,
        "POST",
        "/replicates/next",
        worker.timestamp(),
        b"",
    )
    .unwrap();
    forged.worker = worker.address().to_string();
    assert_eq!(
        code(
            &worker
                .send("POST", "/replicates/next", Vec::new(), &forged)
                .await
        ),
        (401, "BAD_SIGNATURE")
    );
    // Another body, another path than signed.
    let signed = sign_worker_request(
        &worker.signer,
        "POST",
        "/workers/heartbeat",
        worker.timestamp(),
        br#"{"running":[]}"#,
    )
    .unwrap();
    assert_eq!(
        code(
            &worker
                .send(
                    "POST",
                    "/workers/heartbeat",
                    br#"{"running":["0x"]}"#.to_vec(),
                    &signed
                )
                .await
        ),
        (401, "BAD_SIGNATURE")
    );
    assert_eq!(
        code(
            &worker
                .send(
                    "POST",
                    "/replicates/next",
                    br#"{"running":[]}"#.to_vec(),
                    &signed
                )
                .await
        ),
        (401, "BAD_SIGNATURE")
    );

    // Replays: the same request twice, or an older timestamp.
    let fresh = sign_worker_request(
        &worker.signer,
        "POST",
        "/workers/heartbeat",
        worker.timestamp(),
        br#"{"running":[]}"#,
    )
    .unwrap();
    let first = worker
        .send(
            "POST",
            "/workers/heartbeat",
            br#"{"running":[]}"#.to_vec(),
            &fresh,
        )
        .await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(
        code(
            &worker
                .send(
                    "POST",
                    "/workers/heartbeat",
                    br#"{"running":[]}"#.to_vec(),
                    &fresh
                )
                .await
        ),
        (401, "STALE_TIMESTAMP")
    );
    let older: u64 = fresh.timestamp.parse::<u64>().unwrap() - 1;
    let old = sign_worker_request(&worker.signer, "POST", "/replicates/next", older, b"").unwrap();
    assert_eq!(
        code(
            &worker
                .send("POST", "/replicates/next", Vec::new(), &old)
                .await
        ),
        (401, "STALE_TIMESTAMP")
    );
    // Outside the clock window, either way.
    for skew in [-120_000i64, 120_000] {
        let timestamp = (confide_scheduler::unix_ms() as i64 + skew) as u64;
        let signed =
            sign_worker_request(&worker.signer, "POST", "/replicates/next", timestamp, b"")
                .unwrap();
        assert_eq!(
            code(
                &worker
                    .send("POST", "/replicates/next", Vec::new(), &signed)
                    .await
            ),
            (401, "TIMESTAMP_OUT_OF_WINDOW")
        );
    }
    // A re-registration replayed is refused too.
    let registration = serde_json::to_vec(&WorkerRegistration {
        capacity: 1,
        tee: true,
        version: "test".into(),
    })
    .unwrap();
    let signed = sign_worker_request(
        &worker.signer,
        "POST",
        "/workers",
        worker.timestamp(),
        &registration,
    )
    .unwrap();
    assert_eq!(
        worker
            .send("POST", "/workers", registration.clone(), &signed)
            .await
            .0,
        200
    );
    assert_eq!(
        code(&worker.send("POST", "/workers", registration, &signed).await),
        (401, "STALE_TIMESTAMP")
    );

    // Malformed, oversized, out of range.
    assert_eq!(
        code(
            &worker
                .call("POST", "/workers/heartbeat", b"{".to_vec())
                .await
        ),
        (400, "BAD_REQUEST")
    );
    assert_eq!(
        code(
            &worker
                .call(
                    "POST",
                    "/workers",
                    br#"{"capacity":0,"tee":false,"version":"x"}"#.to_vec()
                )
                .await
        ),
        (400, "BAD_REQUEST")
    );
    assert_eq!(
        code(
            &worker
                .call("POST", "/workers/heartbeat", vec![b' '; 300 * 1024])
                .await
        ),
        (413, "PAYLOAD_TOO_LARGE")
    );
    let response = reqwest::Client::new()
        .get(format!("{}/tasks?state=nonsense", world.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(code(&answer(response).await), (400, "BAD_REQUEST"));

    // Reports: unknown task, a task not assigned to the worker, a contribution not on-chain.
    let unknown = B256::repeat_byte(0x77);
    let report = ReplicateReport::Revealed { tx: B256::ZERO };
    assert_eq!(
        code(&worker.report(unknown, &report).await),
        (404, "UNKNOWN_TASK")
    );
    let deal = world.tee_deal(1, 60).await;
    let task = world.deal_tasks_in(deal, 1, TaskState::Running).await[0].task_id;
    other.register(1, false).await;
    assert_eq!(
        code(&other.report(task, &report).await),
        (403, "NOT_ASSIGNED")
    );
    let assignment = worker.next_eventually().await;
    assert_eq!(assignment.authorization.chain_task_id, task);
    let claimed = ReplicateReport::Contributed {
        result_hash: B256::repeat_byte(1),
        tx: B256::ZERO,
    };
    assert_eq!(
        code(&worker.report(task, &claimed).await),
        (409, "NOT_ON_CHAIN")
    );
    let completed = ReplicateReport::Completed { tx: B256::ZERO };
    assert_eq!(
        code(&worker.report(task, &completed).await),
        (409, "NOT_ON_CHAIN")
    );
    // A TEE task's result is not uploaded to the scheduler.
    assert_eq!(
        code(&worker.upload(task, b"zip".to_vec()).await),
        (409, "NOT_EXPECTING_RESULT")
    );
    // The task is not given to anyone else meanwhile, and it is still running.
    assert_eq!(world.task(task).await.state, TaskState::Running);
}
