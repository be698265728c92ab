//! Secret release against the dev chain: one success, and one test per refused condition.

use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::IConfide;
use confide_protocol::authorization::enclave_signature_message;
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::signature::sign_personal;
use std::sync::Arc;

use confide_sms::release::RESULT_ENCRYPTION_KEY_NAME;
use confide_sms::{SessionRequest, SmsConfig};
use confide_tee::Attester as _;
use confide_tee::session::EnclaveSession;

use crate::secrets::refused;
use crate::world::{ActiveTask, World, authorization};

const PARAMS: &str = r#"{"iexec_secrets":{"1":"api-key"},"iexec_result_encryption":true}"#;

/// The requester's secret and the beneficiary's (the requester's) result key, and the app
/// developer's secret.
async fn push_task_secrets(world: &World) {
    let requester = &world.roles.requester;
    world
        .client
        .push_requester_secret(requester, "api-key", "requester secret")
        .await
        .unwrap();
    world
        .client
        .push_web2_secret(
            requester,
            RESULT_ENCRYPTION_KEY_NAME,
            "result public key",
            false,
        )
        .await
        .unwrap();
    world
        .client
        .push_app_secret(&world.roles.app_developer, world.assets.app, "app secret")
        .await
        .unwrap();
}

/// Sends `request` signed by the worker; the refusal's status and code.
async fn refusal(world: &World, request: &SessionRequest) -> (u16, String) {
    refused(
        world
            .client
            .open_session(&world.roles.worker, request)
            .await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releases_a_tasks_secrets_to_its_attested_enclave_until_the_task_completes() {
    let world = World::start(true).await;
    world.push_dataset_key("dataset key").await;
    push_task_secrets(&world).await;
    let task = world.active_task(&World::terms(PARAMS), false).await;
    let authorization = world.authorize(&task).await;
    let challenge = authorization.enclave_challenge;
    let (session, request) = world.session(authorization);

    let response = world
        .client
        .open_session(&world.roles.worker, &request)
        .await
        .unwrap();
    let secrets = response.open(&session).unwrap();
    assert_eq!(secrets.task_id, task.task);
    assert_eq!(secrets.datasets.len(), 1);
    assert_eq!(secrets.datasets[0].address, world.assets.dataset.unwrap());
    assert_eq!(secrets.datasets[0].key, "dataset key");
    assert_eq!(secrets.app_developer_secret.as_deref(), Some("app secret"));
    assert_eq!(
        secrets.requester_secrets.get(&1).map(String::as_str),
        Some("requester secret")
    );
    assert_eq!(
        secrets.result_encryption_key.as_deref(),
        Some("result public key")
    );
    // The challenge key is the one of the address the scheduler got.
    let enclave: PrivateKeySigner = secrets.enclave_challenge_key.parse().unwrap();
    assert_eq!(enclave.address(), challenge);
    // No secret in Debug output.
    let debug = format!("{secrets:?}");
    assert!(!debug.contains("dataset key") && !debug.contains(&secrets.enclave_challenge_key));

    // Only this session opens the envelope.
    let other = EnclaveSession::new(task.task, world.app_digest, challenge).unwrap();
    assert!(response.open(&other).is_err());

    // Asking for the challenge again gives the same one.
    let again = world
        .client
        .enclave_challenge(&world.roles.scheduler, task.task)
        .await
        .unwrap();
    assert_eq!(again, challenge);

    // The enclave completes the task with the challenge key: it is no longer active, and
    // nothing more is released for it.
    let worker = world.roles.worker.address();
    let digest = keccak256("result");
    let enclave_sign = sign_personal(
        &enclave,
        &enclave_signature_message(
            result_hash(task.task, digest),
            result_seal(worker, task.task, digest),
        ),
    )
    .unwrap();
    world
        .chain
        .contribute_and_finalize(
            worker,
            &IConfide::contributeAndFinalizeCall {
                taskId: task.task,
                resultDigest: digest,
                results: Bytes::from_static(b"/p2p/bafkreiresult"),
                resultsCallback: Bytes::new(),
                enclaveChallenge: challenge,
                enclaveSign: enclave_sign,
                authorizationSign: request.authorization.signature.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        refusal(&world, &request).await,
        (409, "TASK_NOT_ACTIVE".into())
    );

    let audit = world
        .sms
        .store()
        .audit_entries(Some(task.task), 10)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|entry| (entry.action.as_str(), entry.outcome.as_str()))
        .collect();
    assert!(actions.contains(&("release", "ok")), "{actions:?}");
    assert!(
        actions.contains(&("release.refused", "TASK_NOT_ACTIVE")),
        "{actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_an_enclave_running_another_app() {
    let world = World::start(true).await;
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    let authorization = world.authorize(&task).await;
    // A consistent session and evidence, for another module.
    let session = EnclaveSession::new(
        task.task,
        B256::repeat_byte(0xAB),
        authorization.enclave_challenge,
    )
    .unwrap();
    let request = SessionRequest {
        evidence: world.attester.attest(&session.report_data()).unwrap(),
        binding: session.binding().clone(),
        authorization,
        dataset_orders: vec![],
    };
    assert_eq!(
        refusal(&world, &request).await,
        (403, "APP_DIGEST_MISMATCH".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_task_that_is_not_active() {
    let world = World::start(true).await;
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    // Task 1 of the deal was never initialized.
    let uninitialized = ActiveTask {
        deal: task.deal,
        task: confide_protocol::ids::task_id(task.deal, alloy_primitives::U256::from(1)),
    };
    let challenge = world
        .client
        .enclave_challenge(&world.roles.scheduler, uninitialized.task)
        .await;
    assert_eq!(refused(challenge), (409, "TASK_NOT_ACTIVE".into()));
    let mut authorization = authorization(
        &task,
        world.roles.worker.address(),
        Address::repeat_byte(1),
        &world.roles.scheduler,
    );
    authorization.chain_task_id = uninitialized.task;
    authorization.task_index = alloy_primitives::U256::from(1);
    authorization.sign(&world.roles.scheduler).unwrap();
    let (_, request) = world.session(authorization);
    assert_eq!(
        refusal(&world, &request).await,
        (409, "TASK_NOT_ACTIVE".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_an_authorization_not_signed_by_the_workerpool_owner() {
    let world = World::start(true).await;
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    let genuine = world.authorize(&task).await;
    // Someone else authorizes the worker (and asks for the challenge): both refused.
    let forged = authorization(
        &task,
        world.roles.worker.address(),
        genuine.enclave_challenge,
        &world.roles.stranger,
    );
    let (_, request) = world.session(forged);
    assert_eq!(
        refusal(&world, &request).await,
        (401, "INVALID_AUTHORIZATION".into())
    );
    let challenge = world
        .client
        .enclave_challenge(&world.roles.stranger, task.task)
        .await;
    assert_eq!(refused(challenge), (401, "UNAUTHORIZED".into()));
    // The genuine authorization, but the request signed by another worker.
    let (_, request) = world.session(genuine);
    let wrong_worker = world
        .client
        .open_session(&world.roles.stranger, &request)
        .await;
    assert_eq!(
        refused(wrong_worker),
        (401, "INVALID_WORKER_SIGNATURE".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_evidence_bound_to_another_task() {
    let world = World::start(true).await;
    world.push_dataset_key("dataset key").await;
    let first = world.active_task(&World::terms("{}"), false).await;
    let second = world.active_task(&World::terms_salted(1), false).await;
    let authorization_first = world.authorize(&first).await;
    let authorization_second = world.authorize(&second).await;
    // The evidence of the first task's session, presented for the second task.
    let (_, first_request) = world.session(authorization_first);
    let (_, mut request) = world.session(authorization_second);
    request.evidence = first_request.evidence;
    assert_eq!(
        refusal(&world, &request).await,
        (403, "EVIDENCE_BOUND_TO_ANOTHER_SESSION".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_simulated_evidence_outside_dev_mode() {
    let world = World::start(false).await;
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    let authorization = world.authorize(&task).await;
    let (_, request) = world.session(authorization);
    assert_eq!(
        refusal(&world, &request).await,
        (403, "SIMULATED_EVIDENCE_NOT_ALLOWED".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_deals_release_only_datasets_granted_to_the_app_and_requester() {
    let world = World::start(true).await;
    world.push_dataset_key("bulk dataset key").await;
    let task = world
        .active_task(&World::terms(r#"{"bulk_cid":"bafkreibulk"}"#), true)
        .await;
    let app = world.assets.app;
    let requester = world.roles.requester.address();
    let authorization = world.authorize(&task).await;

    // Without the slice's orders: a bad request.
    let (_, request) = world.session(authorization.clone());
    assert_eq!(refusal(&world, &request).await.0, 400);

    // Granted to another app: refused.
    let (_, mut request) = world.session(authorization.clone());
    request.dataset_orders = vec![world.bulk_order(Address::repeat_byte(9), requester)];
    assert_eq!(
        refusal(&world, &request).await,
        (403, "ACCESS_NOT_GRANTED".into())
    );

    // Granted to another requester: refused.
    request.dataset_orders = vec![world.bulk_order(app, Address::repeat_byte(9))];
    assert_eq!(
        refusal(&world, &request).await,
        (403, "ACCESS_NOT_GRANTED".into())
    );

    // Granted to this app and requester: released.
    let (session, mut request) = world.session(authorization);
    request.dataset_orders = vec![world.bulk_order(app, requester)];
    let secrets = world
        .client
        .open_session(&world.roles.worker, &request)
        .await
        .unwrap()
        .open(&session)
        .unwrap();
    assert_eq!(secrets.datasets.len(), 1);
    assert_eq!(secrets.datasets[0].key, "bulk dataset key");
}

/// A recorded Intel quote (`crates/tee/tests/fixtures`).
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tee/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The `tdx_quote` fixture's collateral validity includes this time.
fn tdx_fixture_now() -> u64 {
    1_750_329_147
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifies_hardware_evidence_and_refuses_a_quote_of_another_session() {
    use confide_tee::dcap::{CollateralCache, DcapVerifier};
    use confide_tee::{Evidence, EvidenceKind, Policy, TcbStatus};

    let cache = Arc::new(CollateralCache::new());
    let collateral = format!(
        "{}/../tee/tests/fixtures/tdx_quote_collateral.json",
        env!("CARGO_MANIFEST_DIR")
    );
    cache.load_file(std::path::Path::new(&collateral)).unwrap();
    let config = SmsConfig {
        policy: Policy {
            min_tcb_status: TcbStatus::OutOfDate,
            accepted_advisories: vec!["INTEL-SA-00837".into()],
            allow_debug: true,
            ..Policy::default()
        },
        clock: tdx_fixture_now,
        ..SmsConfig::default()
    };
    let world = World::start_with(config, Some(Arc::new(DcapVerifier::new(cache)))).await;
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    let authorization = world.authorize(&task).await;
    let (_, mut request) = world.session(authorization);

    // A genuine TDX quote whose report data is not this session's: it verifies (signatures,
    // chain, collateral, policy) and is refused for what it binds.
    request.evidence = Evidence {
        kind: EvidenceKind::DcapQuote,
        data: fixture("tdx_quote"),
    };
    let (status, code) = refusal(&world, &request).await;
    assert_eq!(
        (status, code.as_str()),
        (403, "EVIDENCE_BOUND_TO_ANOTHER_SESSION")
    );

    // The same quote with a flipped signature byte does not verify at all.
    let mut forged = fixture("tdx_quote");
    let last = forged.len() - 100;
    forged[last] ^= 1;
    request.evidence.data = forged;
    assert_eq!(
        refusal(&world, &request).await,
        (403, "INVALID_EVIDENCE".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_released_once_the_challenge_is_purged_or_for_another_challenge() {
    let world = World::start(true).await;
    world.push_dataset_key("dataset key").await;
    let task = world.active_task(&World::terms("{}"), false).await;
    let authorization = world.authorize(&task).await;

    // A challenge the SMS did not issue (signed by the genuine scheduler all the same).
    let other = crate::world::authorization(
        &task,
        world.roles.worker.address(),
        Address::repeat_byte(7),
        &world.roles.scheduler,
    );
    let (_, request) = world.session(other);
    assert_eq!(
        refusal(&world, &request).await,
        (403, "ENCLAVE_CHALLENGE_MISMATCH".into())
    );

    let (_, request) = world.session(authorization);
    world
        .client
        .open_session(&world.roles.worker, &request)
        .await
        .unwrap();
    // Past the task's final deadline the key is purged (and the purge audited).
    assert_eq!(
        world
            .sms
            .purge_expired_challenges(u64::MAX >> 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        refusal(&world, &request).await,
        (403, "ENCLAVE_CHALLENGE_MISMATCH".into())
    );
    let audit = world.sms.store().audit_entries(None, 50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == confide_sms::store::AuditAction::ChallengePurge)
    );
}
