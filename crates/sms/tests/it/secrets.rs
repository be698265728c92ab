//! Secret pushes against the dev chain: owners, non-owners, write-once, size, HEAD.

use alloy_primitives::hex;
use alloy_signer_local::PrivateKeySigner;
use confide_protocol::signature::sign_personal;
use confide_protocol::sms::web3_secret_challenge;
use confide_sms::SmsClientError;
use confide_sms::store::AuditAction;

use crate::world::World;

/// The status and error code of a refused call.
pub(crate) fn refused<T: std::fmt::Debug>(result: Result<T, SmsClientError>) -> (u16, String) {
    match result {
        Err(SmsClientError::Refused { status, code, .. }) => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A raw POST with a signature header, for bodies the client would not send.
async fn raw_post(url: &str, signature: &[u8], body: Vec<u8>) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("Authorization", hex::encode_prefixed(signature))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataset_key_owner_push_non_owner_write_once_and_size() {
    let world = World::start(true).await;
    let dataset = world.assets.dataset.unwrap();
    assert!(!world.client.dataset_key_exists(dataset).await.unwrap());

    // Not the dataset's owner: 401, nothing stored.
    let stranger = world
        .client
        .push_dataset_key(&world.roles.stranger, dataset, "key-A")
        .await;
    assert_eq!(refused(stranger), (401, "UNAUTHORIZED".into()));
    assert!(!world.client.dataset_key_exists(dataset).await.unwrap());

    // The owner: 204, then HEAD answers 204.
    world
        .client
        .push_dataset_key(&world.roles.data_owner, dataset, "key-A")
        .await
        .unwrap();
    assert!(world.client.dataset_key_exists(dataset).await.unwrap());

    // Write-once: a second push (even by the owner, even the same value) is 409.
    let again = world
        .client
        .push_dataset_key(&world.roles.data_owner, dataset, "key-B")
        .await;
    assert_eq!(refused(again), (409, "ALREADY_EXISTS".into()));

    // 4096 bytes is the limit: 4097 is 413, whoever signs.
    let url = format!("{}/secrets/web3?secretAddress={dataset}", world.sms_url);
    let big = "k".repeat(4097);
    let signature = sign_personal(
        &world.roles.data_owner,
        &web3_secret_challenge(dataset, &big),
    )
    .unwrap();
    assert_eq!(raw_post(&url, &signature, big.into_bytes()).await, 413);

    // A missing or garbled signature is 401.
    assert_eq!(raw_post(&url, b"", b"key".to_vec()).await, 401);
    let status = reqwest::Client::new()
        .post(&url)
        .body("key")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);

    // The stored key is still the first one (released later; here: the audit says so).
    let entries = world.sms.store().audit_entries(None, 100).await.unwrap();
    let outcomes: Vec<&str> = entries
        .iter()
        .filter(|entry| {
            entry.action == AuditAction::SecretCreate && entry.subject.starts_with("web3:")
        })
        .map(|entry| entry.outcome.as_str())
        .collect();
    assert!(
        outcomes.contains(&"ok") && outcomes.contains(&"ALREADY_EXISTS"),
        "{outcomes:?}"
    );
    for entry in &entries {
        let text = format!("{entry:?}");
        assert!(!text.contains("key-A") && !text.contains("key-B"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web2_app_and_requester_secrets() {
    let world = World::start(true).await;
    let requester = &world.roles.requester;

    // Web2: created by its owner, updatable; PUT of a missing one is 404; another signer 401.
    world
        .client
        .push_web2_secret(requester, "token", "v1", false)
        .await
        .unwrap();
    world
        .client
        .push_web2_secret(requester, "token", "v2", true)
        .await
        .unwrap();
    // Replays: the creation's or an earlier update's signed request, sent again (signatures
    // are deterministic), cannot bring an old value back.
    for old in ["v1", "v2"] {
        let replay = world
            .client
            .push_web2_secret(requester, "token", old, true)
            .await;
        assert_eq!(refused(replay), (409, "REPLAYED_REQUEST".into()));
    }
    world
        .client
        .push_web2_secret(requester, "token", "v3", true)
        .await
        .unwrap();
    let id = confide_sms::store::SecretId::Web2 {
        owner: requester.address(),
        name: "token".into(),
    };
    let stored = world.sms.store().secret(&id).await.unwrap().unwrap();
    assert_eq!(stored.as_slice(), b"v3");
    let missing = world
        .client
        .push_web2_secret(requester, "other", "v1", true)
        .await;
    assert_eq!(refused(missing), (404, "NOT_FOUND".into()));
    let twice = world
        .client
        .push_web2_secret(requester, "token", "v4", false)
        .await;
    assert_eq!(refused(twice), (409, "ALREADY_EXISTS".into()));
    // Names travel percent-encoded: one with URL syntax in it is one secret, signed as is.
    let odd = "a b&secretName=c/ü";
    world
        .client
        .push_web2_secret(requester, odd, "v", false)
        .await
        .unwrap();
    let twice = world
        .client
        .push_web2_secret(requester, odd, "w", false)
        .await;
    assert_eq!(refused(twice), (409, "ALREADY_EXISTS".into()));
    let forged = reqwest::Client::new()
        .post(format!(
            "{}/secrets/web2?ownerAddress={}&secretName=x",
            world.sms_url,
            requester.address()
        ))
        .header(
            "Authorization",
            hex::encode_prefixed(
                sign_personal(
                    &PrivateKeySigner::random(),
                    &confide_protocol::sms::web2_secret_challenge(requester.address(), "x", "v"),
                )
                .unwrap(),
            ),
        )
        .body("v")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    // App developer secret: the app's on-chain owner only, once.
    let app = world.assets.app;
    let stranger = world
        .client
        .push_app_secret(&world.roles.stranger, app, "s")
        .await;
    assert_eq!(refused(stranger), (401, "UNAUTHORIZED".into()));
    world
        .client
        .push_app_secret(&world.roles.app_developer, app, "app secret")
        .await
        .unwrap();
    let twice = world
        .client
        .push_app_secret(&world.roles.app_developer, app, "again")
        .await;
    assert_eq!(refused(twice), (409, "ALREADY_EXISTS".into()));

    // Requester secrets: key names as iExec's, write-once.
    let bad = world
        .client
        .push_requester_secret(requester, "no spaces", "v")
        .await;
    assert_eq!(refused(bad), (400, "BAD_REQUEST".into()));
    world
        .client
        .push_requester_secret(requester, "api-key_1", "v")
        .await
        .unwrap();
    let twice = world
        .client
        .push_requester_secret(requester, "api-key_1", "w")
        .await;
    assert_eq!(refused(twice), (409, "ALREADY_EXISTS".into()));
}
