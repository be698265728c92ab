//! TEE tasks end to end: the executor against the dev chain, the SMS and the sandbox.

use crate::world::{World, decrypt_result_txt, holds_no_file, result_txt, tee_terms, test_policy};
use alloy_primitives::B256;
use confide_crypto::result::{ResultDecryptionKey, ResultSecretKey, generate_rsa_private_key};
use confide_crypto::seal::{SealFormat, SealKey};
use confide_protocol::result::{ResultLocation, web2_file_digest};
use confide_worker::{Outcome, Progress, ReplicateCause};
use std::sync::Mutex;

const TASK_COMPLETED: u8 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tee_task_completes_with_a_result_only_the_beneficiary_decrypts() {
    let Some(world) = World::start().await else {
        return;
    };
    let key = SealKey::generate().unwrap();
    let dataset = world
        .protect(
            &[("email", "ann@example.com"), ("name", "Ann")],
            &key,
            SealFormat::Confide,
            None,
        )
        .await;
    world.push_dataset_key(dataset, &key).await;
    let beneficiary_key = ResultDecryptionKey::X25519(ResultSecretKey::generate().unwrap());
    world.push_result_key(&beneficiary_key).await;

    let deal = world
        .deal(
            world.app,
            Some(dataset),
            &tee_terms(r#"{"iexec_result_encryption":true}"#),
        )
        .await;
    let task_id = world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let executor = world.executor(&worker, true, test_policy()).await;
    let request = world.request(deal, 0, worker.address(), true).await;
    let stake_before = world.chain.account(worker.address()).await.unwrap().stake;

    let progress = Mutex::new(Vec::new());
    let outcome = executor
        .execute_with_progress(&request, &|step| progress.lock().unwrap().push(step))
        .await
        .unwrap();

    let expected_digest = web2_file_digest(b"Hello, Ann!\n").unwrap();
    let Outcome::Completed {
        tx,
        result_digest,
        results,
    } = outcome
    else {
        panic!("a TEE task completes: {outcome:?}");
    };
    assert_ne!(tx, B256::ZERO);
    assert_eq!(result_digest, expected_digest);
    assert_eq!(
        progress.into_inner().unwrap(),
        [
            Progress::Started { tee: true },
            Progress::Computed {
                result_digest: expected_digest
            }
        ]
    );

    let task = world.chain.task(task_id).await.unwrap();
    assert_eq!(task.status, TASK_COMPLETED);
    assert_eq!(task.resultDigest, expected_digest);
    assert_eq!(task.results, results);
    assert_eq!(task.contributors, [worker.address()]);

    let encrypted = world.fetch_results(&results).await;
    assert!(
        !encrypted.windows(3).any(|window| window == b"Ann"),
        "the stored result is encrypted"
    );
    assert_eq!(
        decrypt_result_txt(&encrypted, &beneficiary_key),
        "Hello, Ann!\n"
    );

    let stake_after = world.chain.account(worker.address()).await.unwrap().stake;
    assert!(stake_after > stake_before, "the worker was paid");
    assert!(holds_no_file(world.work_root.path()), "nothing left behind");
    let shown = format!("{executor:?}");
    let private_key = alloy_primitives::hex::encode(worker.to_bytes());
    assert!(!shown.contains(&private_key), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iexec_formats_cbc_data_and_rsa_result_keys_work_too() {
    let Some(world) = World::start().await else {
        return;
    };
    let key = SealKey::generate().unwrap();
    let dataset = world
        .protect(
            &[("email", "bob@example.com")],
            &key,
            SealFormat::IexecCbc,
            None,
        )
        .await;
    world.push_dataset_key(dataset, &key).await;
    let rsa = ResultDecryptionKey::Rsa(Box::new(generate_rsa_private_key(2048).unwrap()));
    world.push_result_key(&rsa).await;
    let deal = world
        .deal(
            world.app,
            Some(dataset),
            &tee_terms(r#"{"iexec_result_encryption":true}"#),
        )
        .await;
    world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let executor = world.executor(&worker, true, test_policy()).await;
    let request = world.request(deal, 0, worker.address(), true).await;
    let Outcome::Completed { results, .. } = executor.execute(&request).await.unwrap() else {
        panic!("a TEE task completes");
    };
    let encrypted = world.fetch_results(&results).await;
    // The email when there is no name field.
    assert_eq!(
        decrypt_result_txt(&encrypted, &rsa),
        "Hello, bob@example.com!\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn args_are_split_like_a_shell_and_plain_results_are_stored_as_zipped() {
    let Some(world) = World::start().await else {
        return;
    };
    let deal = world
        .deal(
            world.app,
            None,
            &tee_terms(r#"{"iexec_args":"--name 'Ann Lee'"}"#),
        )
        .await;
    world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let executor = world.executor(&worker, true, test_policy()).await;
    let request = world.request(deal, 0, worker.address(), true).await;
    let Outcome::Completed { results, .. } = executor.execute(&request).await.unwrap() else {
        panic!("a TEE task completes");
    };
    let location = ResultLocation::from_bytes(&results).unwrap();
    assert!(location.location.starts_with("/ipfs/"), "{location:?}");
    let zip = world.fetch_results(&results).await;
    assert_eq!(result_txt(&zip), "Hello, Ann Lee!\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_down_for_a_while_is_retried() {
    let Some(mut world) = World::start().await else {
        return;
    };
    let deal = world.deal(world.app, None, &tee_terms("{}")).await;
    world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let request = world.request(deal, 0, worker.address(), true).await;
    let policy = confide_worker::ResourcePolicy {
        sms: confide_worker::Backoff {
            attempts: 100,
            first_delay: std::time::Duration::from_millis(50),
            max_delay: std::time::Duration::from_millis(200),
        },
        ..test_policy()
    };
    let executor = world.executor(&worker, true, policy).await;

    // The SMS is down; its port answers one connection and closes it: the worker's first
    // try fails, and the SMS comes back.
    world.stop_sms().await;
    let impostor = tokio::net::TcpListener::bind(world.sms_addr).await.unwrap();
    let run = tokio::spawn({
        let executor = executor.clone();
        async move { executor.execute(&request).await }
    });
    let (connection, _) = impostor.accept().await.unwrap();
    drop(connection);
    drop(impostor);
    world.restart_sms().await;
    let outcome = run.await.unwrap().unwrap();
    assert!(matches!(outcome, Outcome::Completed { .. }), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_sms_fails_the_session_after_the_retries() {
    let Some(mut world) = World::start().await else {
        return;
    };
    let deal = world.deal(world.app, None, &tee_terms("{}")).await;
    world.initialize(deal, 0).await;
    let worker = world.roles.worker.clone();
    let request = world.request(deal, 0, worker.address(), true).await;
    let executor = world.executor(&worker, true, test_policy()).await;
    world.stop_sms().await;
    let failure = executor.execute(&request).await.unwrap_err();
    assert_eq!(failure.cause, ReplicateCause::TeeSessionFailed, "{failure}");
}
