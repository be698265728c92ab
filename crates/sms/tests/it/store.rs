//! The store against SQLite (a temporary file) and a real PostgreSQL server (`scripts/postgres`;
//! skipped with a message when absent, a failure under `CI=true`): each test body below runs on
//! both, as `<test>::sqlite` and `<test>::postgres`.
#![allow(clippy::print_stdout)]

use alloy_primitives::{Address, B256, address};
use confide_sms::store::{
    AuditAction, AuditEntry, MasterKey, MasterKeyError, SecretId, Store, StoreError,
};
use sqlx::{AnyPool, Row};
use std::os::unix::fs::PermissionsExt;
use zeroize::Zeroizing;

const OWNER: Address = address!("0x00000000000000000000000000000000000000a1");
const OTHER: Address = address!("0x00000000000000000000000000000000000000B2");
const MIXED_CASE: Address = address!("0xAbCdEf0123456789aBcDeF0123456789AbCdEf01");

fn key(seed: u8) -> MasterKey {
    MasterKey::from_bytes([seed; 32])
}

fn task(seed: u8) -> B256 {
    B256::repeat_byte(seed)
}

fn ids() -> Vec<SecretId> {
    vec![
        SecretId::Web3 {
            address: MIXED_CASE,
        },
        SecretId::Web2 {
            owner: OWNER,
            name: "iexec-result-encryption-public-key".into(),
        },
        SecretId::Web2 {
            owner: OWNER,
            name: "another:name".into(),
        },
        SecretId::AppDeveloper {
            app: OTHER,
            index: 1,
        },
        SecretId::Requester {
            requester: OWNER,
            key: "api-key_1".into(),
        },
    ]
}

/// Direct SQL on the store's database, as an attacker with the files or the server would have.
async fn raw(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

/// Runs each named `async fn(&str)` on a fresh SQLite file and a fresh PostgreSQL database.
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/store/sms.db", dir.path().display());
                std::fs::create_dir(dir.path().join("store")).unwrap();
                super::$test(&url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(url) = confide_db::testing::postgres_database().await else { return };
                super::$test(&url).await;
            }
        }
    )*};
}

on_both_databases!(
    secrets_are_write_once_and_updatable,
    a_signed_update_is_applied_once,
    values_are_encrypted_at_rest,
    a_wrong_master_key_is_refused_at_open,
    a_value_moved_to_another_row_does_not_decrypt,
    concurrent_creates_of_one_secret_store_one,
    challenges_are_created_once_and_purged_after_their_deadline,
    concurrent_challenge_creates_return_one_key,
    the_audit_log_reads_back_newest_first,
    reopening_keeps_everything_and_a_newer_schema_is_refused,
);

async fn a_signed_update_is_applied_once(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let id = ids().remove(1);
    let (create, first, second) = (
        B256::repeat_byte(1),
        B256::repeat_byte(2),
        B256::repeat_byte(3),
    );
    // No secret: nothing is applied, and the request stays usable.
    let missing = store
        .update_secret_once(&id, b"v1", first)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)), "{missing}");
    store.create_secret(&id, b"v0").await.unwrap();
    store.record_request(&id, create).await.unwrap();
    store.update_secret_once(&id, b"v1", first).await.unwrap();
    store.update_secret_once(&id, b"v2", second).await.unwrap();
    for replayed in [create, first, second] {
        let error = store
            .update_secret_once(&id, b"old", replayed)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Replayed(of) if *of == id),
            "{error}"
        );
    }
    assert_eq!(store.secret(&id).await.unwrap().unwrap().as_slice(), b"v2");
}

async fn secrets_are_write_once_and_updatable(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let ids = ids();
    for (n, id) in ids.iter().enumerate() {
        assert!(!store.secret_exists(id).await.unwrap());
        assert!(store.secret(id).await.unwrap().is_none());
        let value = format!("value {n} of {id}");
        store.create_secret(id, value.as_bytes()).await.unwrap();
        assert!(store.secret_exists(id).await.unwrap());
        assert_eq!(
            store.secret(id).await.unwrap().unwrap().as_slice(),
            value.as_bytes()
        );
    }
    // Write-once: a second create fails and changes nothing.
    let first = &ids[0];
    let refused = store
        .create_secret(first, b"replacement")
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::AlreadyExists(id) if id == first),
        "{refused}"
    );
    assert_eq!(
        store.secret(first).await.unwrap().unwrap().as_slice(),
        format!("value 0 of {first}").as_bytes()
    );
    // Updates replace; an absent secret is not created by an update.
    store.update_secret(first, b"updated").await.unwrap();
    assert_eq!(
        store.secret(first).await.unwrap().unwrap().as_slice(),
        b"updated"
    );
    let absent = SecretId::Web2 {
        owner: OTHER,
        name: "absent".into(),
    };
    let missing = store.update_secret(&absent, b"x").await.unwrap_err();
    assert!(
        matches!(&missing, StoreError::NotFound(id) if *id == absent),
        "{missing}"
    );
    assert!(!store.secret_exists(&absent).await.unwrap());
    // Empty and large values.
    let empty = SecretId::Web2 {
        owner: OTHER,
        name: "empty".into(),
    };
    store.create_secret(&empty, b"").await.unwrap();
    assert_eq!(store.secret(&empty).await.unwrap().unwrap().as_slice(), b"");
    let large: Vec<u8> = (0..=255u8).cycle().take(64 * 1024).collect();
    store.update_secret(&empty, &large).await.unwrap();
    assert_eq!(
        store.secret(&empty).await.unwrap().unwrap().as_slice(),
        large
    );
    // Batch reads keep the order, with absent ones as None, across query batches.
    let mut wanted = vec![
        absent.clone(),
        ids[3].clone(),
        first.clone(),
        absent.clone(),
    ];
    wanted.extend((0..1200).map(|n| SecretId::Requester {
        requester: OTHER,
        key: format!("k{n}"),
    }));
    let values = store.secrets(&wanted).await.unwrap();
    assert_eq!(values.len(), wanted.len());
    assert!(values[0].is_none() && values[3].is_none());
    assert_eq!(
        values[1].as_ref().unwrap().as_slice(),
        format!("value 3 of {}", ids[3]).as_bytes()
    );
    assert_eq!(values[2].as_ref().unwrap().as_slice(), b"updated");
    assert!(values[4..].iter().all(Option::is_none));
    assert!(store.secrets(&[]).await.unwrap().is_empty());
}

async fn values_are_encrypted_at_rest(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let id = SecretId::Web3 {
        address: MIXED_CASE,
    };
    let value = b"dataset key: the plaintext that must not be stored";
    store.create_secret(&id, value).await.unwrap();
    let challenge_key = Zeroizing::new([0x5a; 32]);
    store
        .create_challenge(task(7), 4_000_000_000, challenge_key.clone())
        .await
        .unwrap();

    let db = raw(url).await;
    let row = sqlx::query("SELECT id, sealed FROM secrets")
        .fetch_one(&db)
        .await
        .unwrap();
    let stored_id: String = row.try_get(0).unwrap();
    // The canonical id: lowercase address.
    assert_eq!(stored_id, "web3:0xabcdef0123456789abcdef0123456789abcdef01");
    let sealed: Vec<u8> = row.try_get(1).unwrap();
    // Version, nonce, ciphertext, tag: as long as the value plus 29 bytes, without it inside.
    assert_eq!(sealed.len(), value.len() + 1 + 12 + 16);
    assert!(!contains(&sealed, value));
    assert!(!contains(&sealed, &value[..8]));
    let sealed_key: Vec<u8> = sqlx::query("SELECT sealed FROM challenges")
        .fetch_one(&db)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert!(!contains(&sealed_key, &challenge_key[..8]));
    // A fresh nonce per write: the same value sealed twice differs.
    store.update_secret(&id, value).await.unwrap();
    let resealed: Vec<u8> = sqlx::query("SELECT sealed FROM secrets")
        .fetch_one(&db)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_ne!(resealed, sealed);
    db.close().await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

async fn a_wrong_master_key_is_refused_at_open(url: &str) {
    let id = &ids()[1];
    let store = Store::open(url, &key(1)).await.unwrap();
    store.create_secret(id, b"value").await.unwrap();
    drop(store);
    let refused = Store::open(url, &key(2)).await.unwrap_err();
    assert!(matches!(refused, StoreError::WrongMasterKey), "{refused}");
    assert!(refused.to_string().contains("wrong key file"), "{refused}");
    let reopened = Store::open(url, &key(1)).await.unwrap();
    assert_eq!(
        reopened.secret(id).await.unwrap().unwrap().as_slice(),
        b"value"
    );
}

async fn a_value_moved_to_another_row_does_not_decrypt(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let [victim, source] = [&ids()[1], &ids()[4]];
    store
        .create_secret(victim, b"victim's value")
        .await
        .unwrap();
    store
        .create_secret(source, b"attacker's value")
        .await
        .unwrap();
    store
        .create_challenge(task(1), 4_000_000_000, Zeroizing::new([1; 32]))
        .await
        .unwrap();
    store
        .create_challenge(task(2), 4_000_000_000, Zeroizing::new([2; 32]))
        .await
        .unwrap();

    let db = raw(url).await;
    sqlx::query(
        "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE id = $1) WHERE id = $2",
    )
    .bind(source.to_string())
    .bind(victim.to_string())
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE challenges SET sealed = (SELECT sealed FROM challenges WHERE task_id = $1)
         WHERE task_id = $2",
    )
    .bind(alloy_primitives::hex::encode_prefixed(task(1)))
    .bind(alloy_primitives::hex::encode_prefixed(task(2)))
    .execute(&db)
    .await
    .unwrap();
    db.close().await;

    let moved = store.secret(victim).await.unwrap_err();
    assert!(
        matches!(&moved, StoreError::Undecryptable { row } if row.contains(&victim.to_string())),
        "{moved}"
    );
    assert!(store.secrets(std::slice::from_ref(victim)).await.is_err());
    assert_eq!(
        store.secret(source).await.unwrap().unwrap().as_slice(),
        b"attacker's value"
    );
    let moved = store.challenge(task(2)).await.unwrap_err();
    assert!(matches!(moved, StoreError::Undecryptable { .. }), "{moved}");
    assert_eq!(
        *store.challenge(task(1)).await.unwrap().unwrap().private_key,
        [1; 32]
    );
}

async fn concurrent_creates_of_one_secret_store_one(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let id = ids()[0].clone();
    let attempts: Vec<_> = (0..16u8)
        .map(|n| {
            let (store, id) = (store.clone(), id.clone());
            tokio::spawn(async move { (n, store.create_secret(&id, &[n; 8]).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            (n, Ok(())) => winners.push(n),
            (_, Err(StoreError::AlreadyExists(_))) => {}
            (_, Err(other)) => panic!("{other}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(
        store.secret(&id).await.unwrap().unwrap().as_slice(),
        [winners[0]; 8]
    );
}

async fn challenges_are_created_once_and_purged_after_their_deadline(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    assert!(store.challenge(task(1)).await.unwrap().is_none());
    let created = store
        .create_challenge(task(1), 1_000, Zeroizing::new([1; 32]))
        .await
        .unwrap();
    assert_eq!(
        (created.task_id, created.final_deadline_unix),
        (task(1), 1_000)
    );
    assert_eq!(*created.private_key, [1; 32]);
    assert!(!format!("{created:?}").contains("1, 1"), "{created:?}");
    // Asked again: the first key and deadline, not the new ones.
    let again = store
        .create_challenge(task(1), 9_999, Zeroizing::new([9; 32]))
        .await
        .unwrap();
    assert_eq!(again, created);
    assert_eq!(store.challenge(task(1)).await.unwrap().unwrap(), created);
    for (seed, deadline) in [(2, 2_000), (3, 3_000)] {
        store
            .create_challenge(task(seed), deadline, Zeroizing::new([seed; 32]))
            .await
            .unwrap();
    }
    assert_eq!(store.purge_challenges(999).await.unwrap(), 0);
    // At its deadline a task can no longer be finalized: purged.
    assert_eq!(store.purge_challenges(2_000).await.unwrap(), 2);
    assert!(store.challenge(task(1)).await.unwrap().is_none());
    assert!(store.challenge(task(2)).await.unwrap().is_none());
    assert_eq!(
        *store.challenge(task(3)).await.unwrap().unwrap().private_key,
        [3; 32]
    );
    assert_eq!(store.purge_challenges(2_000).await.unwrap(), 0);
    let beyond = store
        .create_challenge(task(4), u64::MAX, Zeroizing::new([4; 32]))
        .await
        .unwrap_err();
    assert!(matches!(beyond, StoreError::OutOfRange { .. }), "{beyond}");
}

async fn concurrent_challenge_creates_return_one_key(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let attempts: Vec<_> = (0..16u8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_challenge(task(5), 5_000, Zeroizing::new([n; 32]))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut keys = Vec::new();
    for attempt in attempts {
        keys.push(attempt.await.unwrap());
    }
    let stored = store.challenge(task(5)).await.unwrap().unwrap();
    assert!(keys.iter().all(|key| *key == stored), "{keys:?}");
}

async fn the_audit_log_reads_back_newest_first(url: &str) {
    let store = Store::open(url, &key(1)).await.unwrap();
    let entry = |n: u64, action, task_id| AuditEntry {
        at_unix: 1_700_000_000 + n,
        action,
        actor: n.is_multiple_of(2).then_some(MIXED_CASE),
        task_id,
        subject: format!("subject {n}"),
        outcome: if n == 3 {
            "TASK_NOT_ACTIVE".into()
        } else {
            "ok".into()
        },
    };
    let written = [
        entry(0, AuditAction::SecretCreate, None),
        entry(1, AuditAction::ChallengeCreate, Some(task(1))),
        entry(2, AuditAction::Release, Some(task(1))),
        entry(3, AuditAction::ReleaseRefused, Some(task(2))),
        entry(4, AuditAction::SecretUpdate, None),
    ];
    for entry in &written {
        store.audit(entry.clone()).await.unwrap();
    }
    let all = store.audit_entries(None, 100).await.unwrap();
    assert_eq!(all, written.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(store.audit_entries(None, 2).await.unwrap(), all[..2]);
    assert_eq!(
        store.audit_entries(Some(task(1)), 100).await.unwrap(),
        [written[2].clone(), written[1].clone()]
    );
    assert!(
        store
            .audit_entries(Some(task(9)), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.audit_entries(None, 0).await.unwrap().is_empty());
    let text: String = sqlx::query("SELECT actor FROM audit WHERE actor IS NOT NULL")
        .fetch_all(&raw(url).await)
        .await
        .unwrap()[0]
        .try_get(0)
        .unwrap();
    assert_eq!(text, "0xabcdef0123456789abcdef0123456789abcdef01");
}

async fn reopening_keeps_everything_and_a_newer_schema_is_refused(url: &str) {
    let id = &ids()[2];
    {
        let store = Store::open(url, &key(1)).await.unwrap();
        store.create_secret(id, b"kept").await.unwrap();
    }
    let store = Store::open(url, &key(1)).await.unwrap();
    assert_eq!(store.secret(id).await.unwrap().unwrap().as_slice(), b"kept");
    drop(store);
    let db = raw(url).await;
    let versions: Vec<i64> = sqlx::query("SELECT version FROM schema_version ORDER BY version")
        .fetch_all(&db)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get(0).unwrap())
        .collect();
    assert_eq!(versions, [1, 2]);
    sqlx::query("INSERT INTO schema_version (version) VALUES (99)")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let refused = Store::open(url, &key(1)).await.unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::SchemaTooNew {
                found: 99,
                supported: 2
            }
        ),
        "{refused}"
    );
}

#[tokio::test]
async fn an_in_memory_store_works_and_unknown_urls_are_refused() {
    let store = Store::open("sqlite::memory:", &key(1)).await.unwrap();
    let id = &ids()[0];
    store.create_secret(id, b"in memory").await.unwrap();
    assert_eq!(
        store.secret(id).await.unwrap().unwrap().as_slice(),
        b"in memory"
    );
    assert!(format!("{store:?}").starts_with("Store"));
    let refused = Store::open("mysql://root:hunter2@localhost/sms", &key(1))
        .await
        .unwrap_err();
    assert!(matches!(&refused, StoreError::UnsupportedUrl { scheme } if scheme == "mysql"));
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
}

#[tokio::test]
async fn the_master_key_file_is_created_once_private_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let created = MasterKey::load_or_create(&path).unwrap();
    let metadata = std::fs::metadata(&path).unwrap();
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    assert_eq!(metadata.len(), 32);
    assert_eq!(format!("{created:?}"), "MasterKey(<redacted>)");
    // Nothing else is left in the directory (the temporary file is gone).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // Loaded again (and by concurrent starters), it is the same key: it opens the same store.
    let url = format!("sqlite://{}/sms.db", dir.path().display());
    Store::open(&url, &created).await.unwrap();
    let loaded = MasterKey::load_or_create(&path).unwrap();
    Store::open(&url, &loaded).await.unwrap();
    let fresh = dir.path().join("raced.key");
    let raced: Vec<MasterKey> = std::thread::scope(|scope| {
        let starters: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| MasterKey::load_or_create(&fresh).unwrap()))
            .collect();
        starters
            .into_iter()
            .map(|starter| starter.join().unwrap())
            .collect()
    });
    let raced_url = format!("sqlite://{}/raced.db", dir.path().display());
    for key in &raced {
        Store::open(&raced_url, key).await.unwrap();
    }

    // A truncated file is refused, not replaced.
    std::fs::write(&path, [7u8; 31]).unwrap();
    let truncated = MasterKey::load_or_create(&path).unwrap_err();
    assert!(
        matches!(truncated, MasterKeyError::WrongLength { found: 31, .. }),
        "{truncated}"
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 31);
    // A key others can read is refused.
    std::fs::write(&path, [7u8; 32]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let exposed = MasterKey::load_or_create(&path).unwrap_err();
    assert!(
        matches!(
            exposed,
            MasterKeyError::InsecurePermissions { mode: 0o644, .. }
        ),
        "{exposed}"
    );
    assert!(exposed.to_string().contains("chmod 600"), "{exposed}");
    // A missing directory is an error naming the path.
    let nowhere = dir.path().join("missing/master.key");
    let missing = MasterKey::load_or_create(&nowhere).unwrap_err();
    assert!(
        missing.to_string().contains("missing/master.key"),
        "{missing}"
    );
}
