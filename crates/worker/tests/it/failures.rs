//! Each failure names its cause, and leaves nothing behind.

use crate::world::{World, holds_no_file, request, sha256, tee_terms, test_policy};
use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::send::TxSpec;
use confide_chain::scenario::Terms;
use confide_crypto::seal::{SealFormat, SealKey};
use confide_protocol::ids;
use confide_worker::{ExecutionRequest, ReplicateCause, ReplicateFailure};

/// Runs `request` on the world's TEE worker; the failure it must end with.
async fn failure(world: &World, request: &ExecutionRequest) -> ReplicateFailure {
    let executor = world
        .executor(&world.roles.worker, true, test_policy())
        .await;
    let failure = executor.execute(request).await.unwrap_err();
    assert_eq!(failure.task_id, request.authorization.chain_task_id);
    assert!(holds_no_file(world.work_root.path()), "nothing left behind");
    failure
}

/// A TEE deal on `dataset` (sealed with `key`, pushed) with `params`, initialized; the
/// scheduler's request for the worker.
async fn tee_task(
    world: &World,
    app: Address,
    dataset: Option<Address>,
    params: &str,
) -> ExecutionRequest {
    let deal = world.deal(app, dataset, &tee_terms(params)).await;
    world.initialize(deal, 0).await;
    world
        .request(deal, 0, world.roles.worker.address(), true)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dataset_whose_bytes_differ_from_its_checksum() {
    let Some(world) = World::start().await else {
        return;
    };
    let key = SealKey::generate().unwrap();
    let dataset = world
        .protect(
            &[("name", "Ann")],
            &key,
            SealFormat::Confide,
            Some(B256::repeat_byte(7)),
        )
        .await;
    world.push_dataset_key(dataset, &key).await;
    let request = tee_task(&world, world.app, Some(dataset), "{}").await;
    let failure = failure(&world, &request).await;
    assert_eq!(
        failure.cause,
        ReplicateCause::PreComputeInvalidDatasetChecksum,
        "{failure}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dataset_key_that_does_not_open_it() {
    let Some(world) = World::start().await else {
        return;
    };
    for format in [SealFormat::Confide, SealFormat::IexecCbc] {
        let dataset = world
            .protect(
                &[("name", "Ann")],
                &SealKey::generate().unwrap(),
                format,
                None,
            )
            .await;
        world
            .push_dataset_key(dataset, &SealKey::generate().unwrap())
            .await;
        let request = tee_task(&world, world.app, Some(dataset), "{}").await;
        let failure = failure(&world, &request).await;
        assert_eq!(
            failure.cause,
            ReplicateCause::PreComputeDatasetDecryptionFailed,
            "{format:?}: {failure}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_module_that_is_not_the_registered_one() {
    let Some(world) = World::start().await else {
        return;
    };
    let impostor = world.register_app(sha256(b"another module")).await;
    let request = tee_task(&world, impostor, None, "{}").await;
    let failure = failure(&world, &request).await;
    assert_eq!(
        failure.cause,
        ReplicateCause::AppChecksumMismatch,
        "{failure}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_fails() {
    let Some(world) = World::start().await else {
        return;
    };
    let request = tee_task(&world, world.app, None, r#"{"iexec_args":"--fail"}"#).await;
    let failure = failure(&world, &request).await;
    assert_eq!(failure.cause, ReplicateCause::AppComputeFailed, "{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_signed_by_a_stranger() {
    let Some(world) = World::start().await else {
        return;
    };
    let deal = world.deal(world.app, None, &tee_terms("{}")).await;
    world.initialize(deal, 0).await;
    let honest = world
        .request(deal, 0, world.roles.worker.address(), true)
        .await;
    let forged = request(
        deal,
        0,
        world.roles.worker.address(),
        honest.authorization.enclave_challenge,
        &world.roles.stranger,
        &world.sms_url,
    );
    let failure = failure(&world, &forged).await;
    assert_eq!(
        failure.cause,
        ReplicateCause::InvalidAuthorization,
        "{failure}"
    );

    // Another worker's authorization, or another task's id, is refused alike.
    let mut other_task = honest.clone();
    other_task.authorization.chain_task_id = ids::task_id(deal, U256::from(1));
    other_task
        .authorization
        .sign(&world.roles.scheduler)
        .unwrap();
    let failure = self::failure(&world, &other_task).await;
    assert_eq!(
        failure.cause,
        ReplicateCause::InvalidAuthorization,
        "{failure}"
    );
    let someone_else = request(
        deal,
        0,
        world.roles.stranger.address(),
        honest.authorization.enclave_challenge,
        &world.roles.scheduler,
        &world.sms_url,
    );
    let failure = self::failure(&world, &someone_else).await;
    assert_eq!(
        failure.cause,
        ReplicateCause::InvalidAuthorization,
        "{failure}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_not_initialized() {
    let Some(world) = World::start().await else {
        return;
    };
    let deal = world.deal(world.app, None, &tee_terms("{}")).await;
    // No enclave challenge exists for a task that is not initialized: any address will do,
    // the worker must stop at the chain.
    let request = request(
        deal,
        0,
        world.roles.worker.address(),
        Address::repeat_byte(1),
        &world.roles.scheduler,
        &world.sms_url,
    );
    let failure = failure(&world, &request).await;
    assert_eq!(failure.cause, ReplicateCause::TaskNotActive, "{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beneficiary_without_a_result_encryption_key() {
    let Some(world) = World::start().await else {
        return;
    };
    let request = tee_task(
        &world,
        world.app,
        None,
        r#"{"iexec_result_encryption":true}"#,
    )
    .await;
    let failure = failure(&world, &request).await;
    assert_eq!(
        failure.cause,
        ReplicateCause::PostComputeEncryptionPublicKeyMissing,
        "{failure}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_this_worker_cannot_run() {
    let Some(world) = World::start().await else {
        return;
    };
    // A worker without a TEE, given a TEE task.
    let request = tee_task(&world, world.app, None, "{}").await;
    let executor = world
        .executor(&world.roles.worker, false, test_policy())
        .await;
    let failure = executor.execute(&request).await.unwrap_err();
    assert_eq!(failure.cause, ReplicateCause::UnsupportedTask, "{failure}");

    // A dataset in a deal without the TEE bit: its key is only ever released to enclaves.
    let key = SealKey::generate().unwrap();
    let dataset = world
        .protect(&[("name", "Ann")], &key, SealFormat::Confide, None)
        .await;
    let deal = world
        .deal(world.app, Some(dataset), &Terms::default())
        .await;
    world.initialize(deal, 0).await;
    let request = world
        .request(deal, 0, world.roles.worker.address(), false)
        .await;
    let failure = executor.execute(&request).await.unwrap_err();
    assert_eq!(failure.cause, ReplicateCause::UnsupportedTask, "{failure}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_the_stake_a_replicated_deal_asks() {
    let Some(world) = World::start().await else {
        return;
    };
    let deal = world
        .deal(
            world.app,
            None,
            &Terms {
                params: "{}".into(),
                ..Terms::default()
            },
        )
        .await;
    world.initialize(deal, 0).await;
    // A new account, with ether for gas and no RLC at all.
    let poor = PrivateKeySigner::random();
    world
        .chain
        .send_tx(
            world.roles.owner.address(),
            TxSpec::transfer(poor.address(), U256::from(10).pow(U256::from(18))),
            "fund",
        )
        .await
        .unwrap();
    let request = world.request(deal, 0, poor.address(), false).await;
    let executor = world.executor(&poor, false, test_policy()).await;
    let failure = executor.execute(&request).await.unwrap_err();
    assert_eq!(failure.cause, ReplicateCause::StakeTooLow, "{failure}");

    // With RLC in its wallet, the worker deposits what the deal locks.
    world.fund(poor.address(), 10).await;
    let deal = world
        .deal(
            world.app,
            None,
            &Terms {
                params: "{}".into(),
                ..Terms::default()
            },
        )
        .await;
    world.initialize(deal, 0).await;
    let request = world.request(deal, 0, poor.address(), false).await;
    executor.execute(&request).await.unwrap();
    let account = world.chain.account(poor.address()).await.unwrap();
    assert!(
        account.locked > U256::ZERO,
        "the stake is locked: {account:?}"
    );
}
