//! Protected data created through DataProtector, found as `getProtectedData` finds them.

use alloy_primitives::{Address, U256, keccak256};
use confide_chain::artifacts::bindings::IDatasetRegistry;
use confide_indexer::IndexerClient;
use confide_indexer::model::{AssetKind, ProtectedData};
use confide_indexer::query::{AssetQuery, ProtectedDataQuery};
use serde_json::{Value, json};

use crate::world::{World, follow_config, serve_api};

on_both_databases!(finds_protected_data_by_owner_schema_creation_and_page);

/// Every protected data matching `query` (all pages of 10), names in the order answered.
async fn names(client: &IndexerClient, query: ProtectedDataQuery) -> Vec<String> {
    let mut names = Vec::new();
    for page in 0.. {
        let answer = client
            .protected_data(&ProtectedDataQuery {
                page: Some(page),
                page_size: Some(10),
                ..query.clone()
            })
            .await
            .unwrap();
        names.extend(answer.items.into_iter().map(|p| p.name));
        if !answer.has_more {
            return names;
        }
    }
    unreachable!()
}

fn required(schema: Value) -> ProtectedDataQuery {
    ProtectedDataQuery {
        required_schema: Some(schema),
        ..ProtectedDataQuery::default()
    }
}

async fn finds_protected_data_by_owner_schema_creation_and_page(url: &str) {
    let world = World::start().await;
    let alice = &world.roles.data_owner;
    let bob = &world.roles.stranger;
    let carol = &world.roles.requester;
    let mut created = Vec::new();
    for (owner, name, schema) in [
        (alice, "email", r#"{"email":"string"}"#),
        (alice, "png", r#"{"picture":"image/png","email":"string"}"#),
        (bob, "jpeg", r#"{"picture":"image/jpeg"}"#),
        (bob, "gif", r#"{"picture":"image/gif"}"#),
        (
            alice,
            "nested",
            r#"{"meta":{"age":"f64","name":"string"},"email":"string"}"#,
        ),
        // Indexed as the subgraph does: bad keys, unknown types and non-strings skipped.
        (
            alice,
            "odd",
            r#"{"ok":"bool","a b":"f64","n":3,"x":"text/plain"}"#,
        ),
        (bob, "not json", "{not json"),
    ] {
        created.push((name, world.protect(owner, name, schema).await));
    }
    for i in 0..11 {
        world
            .protect(carol, &format!("counter {i:02}"), r#"{"n":"i128"}"#)
            .await;
    }
    world.increase_time(1_000).await;
    world
        .protect(alice, "late email", r#"{"email":"string"}"#)
        .await;
    world
        .protect(bob, "late png", r#"{"picture":"image/png"}"#)
        .await;

    let follower = world.follower(url, follow_config()).await;
    let logs = follower.start().await.unwrap().catch_up().await.unwrap();
    assert!(logs >= 20 * 2, "{logs} logs");
    let (_server, client) = serve_api(&follower).await;

    // Newest first; everything, by pages of 10.
    let all = names(&client, ProtectedDataQuery::default()).await;
    assert_eq!(all.len(), 20);
    assert_eq!(&all[..3], ["late png", "late email", "counter 10"]);
    assert_eq!(all.last().unwrap(), "email");
    let first_page = client
        .protected_data(&ProtectedDataQuery {
            page_size: Some(10),
            ..ProtectedDataQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((first_page.items.len(), first_page.has_more), (10, true));
    let last_page = client
        .protected_data(&ProtectedDataQuery {
            page: Some(1),
            page_size: Some(10),
            ..ProtectedDataQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((last_page.items.len(), last_page.has_more), (10, false));

    // By owner.
    let by_alice = ProtectedDataQuery {
        owner: Some(alice.address()),
        ..ProtectedDataQuery::default()
    };
    assert_eq!(
        names(&client, by_alice.clone()).await,
        ["late email", "odd", "nested", "png", "email"]
    );
    let alice_with_email = ProtectedDataQuery {
        owner: Some(alice.address()),
        ..required(json!({"email": "string"}))
    };
    assert_eq!(
        names(&client, alice_with_email.clone()).await,
        ["late email", "nested", "png", "email"]
    );
    // Single types are AND-ed; nested keys are dotted paths.
    assert_eq!(
        names(&client, required(json!({"email": "string"}))).await,
        ["late email", "nested", "png", "email"]
    );
    assert_eq!(
        names(
            &client,
            required(json!({"email": "string", "picture": "image/png"}))
        )
        .await,
        ["png"]
    );
    assert_eq!(
        names(&client, required(json!({"meta": {"age": "f64"}}))).await,
        ["nested"]
    );
    assert_eq!(
        names(&client, required(json!({"picture": ["image/png"]}))).await,
        ["late png", "png"]
    );
    // A list of types is an alternative.
    assert_eq!(
        names(
            &client,
            required(json!({"picture": ["image/png", "image/jpeg"]}))
        )
        .await,
        ["late png", "jpeg", "png"]
    );
    assert_eq!(
        names(
            &client,
            ProtectedDataQuery {
                owner: Some(bob.address()),
                ..required(json!({"picture": ["image/png", "image/jpeg"]}))
            }
        )
        .await,
        ["late png", "jpeg"]
    );
    // Repeated `schema=path:type` parameters, with a required schema too.
    assert_eq!(
        names(
            &client,
            ProtectedDataQuery {
                schema: vec!["email:string".into(), "meta.name:string".into()],
                ..ProtectedDataQuery::default()
            }
        )
        .await,
        ["nested"]
    );
    assert_eq!(
        names(
            &client,
            ProtectedDataQuery {
                schema: vec!["email:string".into()],
                ..required(json!({"picture": ["image/png", "image/gif"]}))
            }
        )
        .await,
        ["png"]
    );
    assert_eq!(
        names(&client, required(json!({"ok": "bool"}))).await,
        ["odd"]
    );
    assert!(
        names(&client, required(json!({"x": "image/png"})))
            .await
            .is_empty()
    );

    // Created after (inclusive, as `creationTimestamp_gte`).
    let late = client
        .protected_data(&ProtectedDataQuery {
            page_size: Some(10),
            ..ProtectedDataQuery::default()
        })
        .await
        .unwrap()
        .items[1]
        .clone();
    assert_eq!(late.name, "late email");
    assert_eq!(
        names(
            &client,
            ProtectedDataQuery {
                created_after: Some(late.creation_timestamp),
                ..ProtectedDataQuery::default()
            }
        )
        .await,
        ["late png", "late email"]
    );

    // One protected data, its schema rebuilt from the entries.
    let nested = created
        .iter()
        .find(|(name, _)| *name == "nested")
        .unwrap()
        .1;
    let found: ProtectedData = client.protected_data_at(nested).await.unwrap().unwrap();
    assert_eq!(found.owner, alice.address());
    assert_eq!(
        found.schema,
        json!({"meta": {"age": "f64", "name": "string"}, "email": "string"})
    );
    assert_eq!(
        found.json_schema,
        r#"{"meta":{"age":"f64","name":"string"},"email":"string"}"#
    );
    assert_eq!(
        found.schema_entries,
        ["meta.age:f64", "meta.name:string", "email:string"]
    );
    assert_eq!(found.checksum, keccak256("nested"));
    assert_eq!(
        found.location.as_deref(),
        Some("https://example.com/sealed.zip")
    );
    let receipt = world.chain.receipt(found.transaction_hash).await.unwrap();
    assert_eq!(receipt.block_number, Some(found.block_number));
    let odd = created.iter().find(|(name, _)| *name == "odd").unwrap().1;
    let odd = client.protected_data_at(odd).await.unwrap().unwrap();
    assert_eq!(odd.schema, json!({"ok": "bool"}));
    let not_json = created
        .iter()
        .find(|(name, _)| *name == "not json")
        .unwrap()
        .1;
    let not_json = client.protected_data_at(not_json).await.unwrap().unwrap();
    assert_eq!(
        (not_json.schema, not_json.json_schema.as_str()),
        (json!({}), "{not json")
    );
    assert!(
        client
            .protected_data_at(Address::repeat_byte(7))
            .await
            .unwrap()
            .is_none()
    );

    // A transfer of the dataset's NFT moves the protected data to its new owner.
    let png = created.iter().find(|(name, _)| *name == "png").unwrap().1;
    world
        .chain
        .send(
            alice.address(),
            world.chain.deployment().dataset_registry,
            &IDatasetRegistry::transferFromCall {
                from: alice.address(),
                to: bob.address(),
                tokenId: U256::from_be_bytes(png.into_word().0),
            },
        )
        .await
        .unwrap();
    follower.start().await.unwrap().catch_up().await.unwrap();
    assert_eq!(
        names(&client, by_alice).await,
        ["late email", "odd", "nested", "email"]
    );
    assert_eq!(
        names(
            &client,
            ProtectedDataQuery {
                owner: Some(bob.address()),
                ..ProtectedDataQuery::default()
            }
        )
        .await,
        ["late png", "not json", "gif", "jpeg", "png"]
    );
    assert_eq!(
        client.protected_data_at(png).await.unwrap().unwrap().owner,
        bob.address()
    );
    assert_eq!(
        names(&client, alice_with_email).await,
        ["late email", "nested", "email"]
    );
    assert_eq!(
        names(
            &client,
            ProtectedDataQuery {
                owner: Some(bob.address()),
                ..required(json!({"email": "string"}))
            }
        )
        .await,
        ["png"]
    );
    let datasets = client
        .assets(
            AssetKind::Dataset,
            &AssetQuery {
                owner: Some(bob.address()),
                ..AssetQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(
        datasets
            .items
            .iter()
            .any(|d| d.address == png && d.name == "png")
    );
    assert_eq!(datasets.items.len(), 5);
}
