//! What publication refuses, each with its code; presigned and contract-signed orders accepted.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolValue;
use confide_chain::artifacts::bindings::test_erc1271_signer::TestERC1271Signer;
use confide_chain::artifacts::bindings::{IConfide, IDatasetRegistry, Types};
use confide_chain::client::send::TxSpec;
use confide_chain::scenario::Terms;
use confide_market::{MarketClient, MarketClientError, OrderQuery};
use confide_protocol::SignedOrder;
use confide_protocol::order::{AppOrder, DatasetOrder, OrderKind};

use crate::world::{World, on_both_databases, salt};

fn code(result: Result<impl std::fmt::Debug, MarketClientError>) -> (String, String) {
    match result {
        Err(MarketClientError::Refused { code, message, .. }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

on_both_databases!(publication_refuses_what_the_chain_would);

async fn publication_refuses_what_the_chain_would(database: String) {
    let world = World::start(&database).await;
    let client = &world.client;
    let roles = &world.roles;
    let draft = world.draft(&Terms::tee());

    // Signed by someone else than the app's owner: refused naming both, whoever logs in.
    let forged = world.sign(draft.app.clone(), &roles.stranger);
    for publisher in [&roles.app_developer, &roles.stranger] {
        let (code, message) = code(client.publish(publisher, &forged).await);
        assert_eq!(code, "WRONG_SIGNER");
        assert!(
            message.contains(&roles.app_developer.address().to_string())
                && message.contains(&roles.stranger.address().to_string()),
            "{message}"
        );
    }
    // Signed by the owner, published by someone else.
    let genuine = world.sign(draft.app.clone(), &roles.app_developer);
    let (code_, message) = code(client.publish(&roles.stranger, &genuine).await);
    assert_eq!(code_, "NOT_OWNER", "{message}");
    // Not signed, not presigned.
    let unsigned = SignedOrder::unsigned(draft.app.clone());
    assert_eq!(
        code(client.publish(&roles.app_developer, &unsigned).await).0,
        "NOT_SIGNED_BY_OWNER"
    );
    // A malformed signature (EOA owner).
    let short = SignedOrder {
        order: draft.app.clone(),
        sign: Some(Bytes::from_static(&[1, 2, 3])),
    };
    assert_eq!(
        code(client.publish(&roles.app_developer, &short).await).0,
        "INVALID_SIGNATURE"
    );
    // An asset that is not registered.
    let nowhere = AppOrder {
        app: Address::repeat_byte(0x77),
        ..draft.app.clone()
    };
    let nowhere = world.sign(nowhere, &roles.app_developer);
    assert_eq!(
        code(client.publish(&roles.app_developer, &nowhere).await).0,
        "NOT_REGISTERED"
    );
    // Another chain.
    let elsewhere = MarketClient::new(&world.url, world.chain.chain_id() + 1).unwrap();
    assert_eq!(
        code(elsewhere.publish(&roles.app_developer, &genuine).await).0,
        "CHAIN_ID_MISMATCH"
    );
    // A tag the book cannot index.
    let mut tagged = draft.app.clone();
    tagged.tag.0[0] = 0x80;
    let tagged = world.sign(tagged, &roles.app_developer);
    assert_eq!(
        code(client.publish(&roles.app_developer, &tagged).await).0,
        "INVALID_TAG"
    );
    // No volume.
    let empty = AppOrder {
        volume: U256::ZERO,
        ..draft.app.clone()
    };
    let empty = world.sign(empty, &roles.app_developer);
    assert_eq!(
        code(client.publish(&roles.app_developer, &empty).await).0,
        "ORDER_CONSUMED"
    );
    // Nothing of the above entered the book.
    let listed = client
        .orders(OrderKind::App, &OrderQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.count, 0);

    // Presigned on-chain by the owner: accepted without `sign`.
    let presigned = AppOrder {
        salt: salt(9),
        ..draft.app.clone()
    };
    world
        .chain
        .protocol_send(
            roles.app_developer.address(),
            &IConfide::manageAppOrderCall(Types::AppOrderOperation {
                order: (&SignedOrder::unsigned(presigned.clone())).into(),
                operation: 0,
                sign: Bytes::new(),
            }),
        )
        .await
        .unwrap();
    let hash = client
        .publish(&roles.app_developer, &SignedOrder::unsigned(presigned))
        .await
        .unwrap();
    let listed = client.order(OrderKind::App, hash).await.unwrap().unwrap();
    assert_eq!(listed.order.sign, None);
}

on_both_databases!(a_contract_owner_signs_through_erc1271);

/// A dataset owned by a smart-contract wallet: its owner key signs the order and the login,
/// the wallet (`isValidSignature`) vouches for both.
async fn a_contract_owner_signs_through_erc1271(database: String) {
    let world = World::start(&database).await;
    let owner = &world.roles.data_owner;
    let artifact = confide_chain::artifacts::get("TestERC1271Signer").unwrap();
    let init = [
        artifact.bytecode().unwrap().to_vec(),
        owner.address().abi_encode(),
    ]
    .concat();
    let mined = world
        .chain
        .send_tx(owner.address(), TxSpec::create(init), "deploy wallet")
        .await
        .unwrap();
    let wallet = mined.receipt.contract_address.unwrap();
    let dataset = world
        .chain
        .create_dataset(
            owner.address(),
            &IDatasetRegistry::createDatasetCall {
                owner: wallet,
                name: "wallet's dataset".into(),
                multiaddr: Bytes::from_static(b"/p2p/wallet"),
                checksum: salt(1),
            },
        )
        .await
        .unwrap();
    let order = DatasetOrder {
        dataset,
        volume: U256::from(10),
        salt: salt(2),
        ..DatasetOrder::default()
    };
    let signed = world.sign(order, owner);
    let login = world.client.login(owner, wallet).await.unwrap();
    let hash = world.client.publish_with(&login, &signed).await.unwrap();
    let listed = world
        .client
        .order(OrderKind::Dataset, hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed.signer, wallet);

    // The wallet refuses everything from now on: a new order is refused.
    world
        .chain
        .send(
            owner.address(),
            wallet,
            &TestERC1271Signer::setModeCall { newMode: 1 },
        )
        .await
        .unwrap();
    let refused = world.sign(
        DatasetOrder {
            salt: salt(3),
            ..signed.order.clone()
        },
        owner,
    );
    // The wallet refuses the login's signature as well as the order's.
    let login = world.client.login(owner, wallet).await.unwrap();
    let (code_, _) = code(world.client.publish_with(&login, &refused).await);
    assert_eq!(code_, "INVALID_AUTHORIZATION");
}
