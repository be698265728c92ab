//! Challenges are single-use and expire; unpublishing is for the owner.

use alloy_primitives::B256;
use confide_chain::scenario::Terms;
use confide_market::auth::{ChallengeTypedData, challenge_text};
use confide_market::{MarketClientError, OrderQuery, UnpublishTarget};
use confide_protocol::order::{AppOrder, OrderKind, RequestOrder};

use crate::world::{World, on_both_databases, salt};

fn refused_code<T: std::fmt::Debug>(result: Result<T, MarketClientError>) -> String {
    match result {
        Err(error) => error.code().unwrap_or_else(|| panic!("{error}")).to_owned(),
        Ok(value) => panic!("accepted: {value:?}"),
    }
}

on_both_databases!(a_challenge_opens_one_request);

async fn a_challenge_opens_one_request(database: String) {
    let world = World::start(&database).await;
    let developer = &world.roles.app_developer;
    let draft = world.draft(&Terms::tee());
    let order = |n| {
        world.sign(
            AppOrder {
                salt: salt(n),
                ..draft.app.clone()
            },
            developer,
        )
    };
    let client = &world.client;

    // Used once, then refused.
    let login = client.login(developer, developer.address()).await.unwrap();
    client.publish_with(&login, &order(1)).await.unwrap();
    assert_eq!(
        refused_code(client.publish_with(&login, &order(2)).await),
        "UNKNOWN_CHALLENGE"
    );
    // A failed request spends it too.
    let login = client.login(developer, developer.address()).await.unwrap();
    let forged = world.sign(draft.app.clone(), &world.roles.stranger);
    assert_eq!(
        refused_code(client.publish_with(&login, &forged).await),
        "WRONG_SIGNER"
    );
    assert_eq!(
        refused_code(client.publish_with(&login, &order(3)).await),
        "UNKNOWN_CHALLENGE"
    );
    // Issued to someone else: the developer cannot answer it for himself.
    let theirs = client
        .challenge(world.roles.stranger.address())
        .await
        .unwrap();
    let answered = theirs.sign(developer, developer.address()).unwrap();
    assert_eq!(
        refused_code(client.publish_with(&answered, &order(4)).await),
        "UNKNOWN_CHALLENGE"
    );
    // Signed by someone else than the address it names.
    let mine = client.challenge(developer.address()).await.unwrap();
    let impostor = mine
        .sign(&world.roles.stranger, developer.address())
        .unwrap();
    assert_eq!(
        refused_code(client.publish_with(&impostor, &order(5)).await),
        "INVALID_AUTHORIZATION"
    );
    // Never issued.
    let invented = ChallengeTypedData::new(world.chain.chain_id(), challenge_text("invented"));
    let invented = invented.sign(developer, developer.address()).unwrap();
    assert_eq!(
        refused_code(client.publish_with(&invented, &order(6)).await),
        "UNKNOWN_CHALLENGE"
    );
    // Expired.
    let expired = ChallengeTypedData::new(world.chain.chain_id(), challenge_text("expired"));
    world
        .market
        .store()
        .issue_challenge(expired.hash(), developer.address(), 1)
        .await
        .unwrap();
    let expired = expired.sign(developer, developer.address()).unwrap();
    assert_eq!(
        refused_code(client.publish_with(&expired, &order(7)).await),
        "EXPIRED_CHALLENGE"
    );
    assert_eq!(
        refused_code(client.publish_with(&expired, &order(7)).await),
        "UNKNOWN_CHALLENGE",
        "an expired challenge is spent once presented"
    );
    let listed = client
        .orders(OrderKind::App, &OrderQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.count, 1);
}

on_both_databases!(only_the_owner_unpublishes);

async fn only_the_owner_unpublishes(database: String) {
    let world = World::start(&database).await;
    let developer = &world.roles.app_developer;
    let client = &world.client;
    let draft = world.draft(&Terms::tee());
    let mut hashes = Vec::new();
    for n in 0..4 {
        let order = world.sign(
            AppOrder {
                salt: salt(n),
                ..draft.app.clone()
            },
            developer,
        );
        hashes.push(client.publish(developer, &order).await.unwrap());
    }
    let listed = || async {
        client
            .orders(OrderKind::App, &OrderQuery::default())
            .await
            .unwrap()
            .orders
            .into_iter()
            .map(|o| o.order_hash)
            .collect::<Vec<B256>>()
    };

    // Someone else: refused, whatever the target.
    for target in [
        UnpublishTarget::OrderHash(hashes[0]),
        UnpublishTarget::All(world.app()),
        UnpublishTarget::Last(world.app()),
    ] {
        assert_eq!(
            refused_code(
                client
                    .unpublish(&world.roles.stranger, OrderKind::App, target)
                    .await
            ),
            "NOT_OWNER"
        );
    }
    assert_eq!(listed().await, hashes);
    // The owner: one by hash, the last published, then all.
    let gone = client
        .unpublish(
            developer,
            OrderKind::App,
            UnpublishTarget::OrderHash(hashes[1]),
        )
        .await
        .unwrap();
    assert_eq!(gone, [hashes[1]]);
    let gone = client
        .unpublish(
            developer,
            OrderKind::App,
            UnpublishTarget::Last(world.app()),
        )
        .await
        .unwrap();
    assert_eq!(gone, [hashes[3]]);
    assert_eq!(listed().await, [hashes[0], hashes[2]]);
    assert_eq!(
        refused_code(
            client
                .unpublish(
                    developer,
                    OrderKind::App,
                    UnpublishTarget::OrderHash(hashes[1])
                )
                .await
        ),
        "ORDER_NOT_FOUND"
    );
    let mut gone = client
        .unpublish(developer, OrderKind::App, UnpublishTarget::All(world.app()))
        .await
        .unwrap();
    gone.sort();
    let mut expected = vec![hashes[0], hashes[2]];
    expected.sort();
    assert_eq!(gone, expected);
    assert!(listed().await.is_empty());
    assert_eq!(client.order(OrderKind::App, hashes[0]).await.unwrap(), None);

    // Request orders belong to their requester.
    let requester = &world.roles.requester;
    let request = world.sign(
        RequestOrder {
            salt: salt(10),
            ..draft.request.clone()
        },
        requester,
    );
    let hash = client.publish(requester, &request).await.unwrap();
    assert_eq!(
        refused_code(
            client
                .unpublish(
                    &world.roles.stranger,
                    OrderKind::Request,
                    UnpublishTarget::OrderHash(hash)
                )
                .await
        ),
        "NOT_OWNER"
    );
    let gone = client
        .unpublish(
            requester,
            OrderKind::Request,
            UnpublishTarget::All(requester.address()),
        )
        .await
        .unwrap();
    assert_eq!(gone, [hash]);
}
