//! A full set of orders published, queried with every filter, matched on-chain from the book;
//! the book follows the match.

use alloy_primitives::{Address, U256};
use confide_chain::scenario::Terms;
use confide_market::query::BULK_MIN_VOLUME;
use confide_market::{OrderQuery, OrderStatus};
use confide_protocol::Tag;
use confide_protocol::order::{AppOrder, DatasetOrder, OrderKind, RequestOrder, WorkerpoolOrder};
use confide_protocol::tag::TagBit;

use crate::world::{World, nrlc, on_both_databases, salt, typed};

on_both_databases!(a_full_set_is_queried_and_matched_from_the_book);

async fn a_full_set_is_queried_and_matched_from_the_book(database: String) {
    let world = World::start(&database).await;
    let (app, dataset, workerpool) = (world.app(), world.dataset(), world.workerpool());
    let requester = world.roles.requester.address();
    let terms = Terms {
        volume: U256::from(1),
        ..Terms::tee()
    };
    let mut draft = world.draft(&terms);
    // The app order serves three tasks: it stays in the book after the match.
    draft.app.volume = U256::from(3);
    let app_order = world.sign(draft.app.clone(), &world.roles.app_developer);
    let dataset_order = world.sign(draft.dataset.clone().unwrap(), &world.roles.data_owner);
    let workerpool_order = world.sign(draft.workerpool.clone(), &world.roles.scheduler);
    let request_order = world.sign(draft.request.clone(), &world.roles.requester);
    let client = &world.client;
    let app_hash = client
        .publish(&world.roles.app_developer, &app_order)
        .await
        .unwrap();
    assert_eq!(app_hash, app_order.hash(&world.domain));
    let dataset_hash = client
        .publish(&world.roles.data_owner, &dataset_order)
        .await
        .unwrap();
    let workerpool_hash = client
        .publish(&world.roles.scheduler, &workerpool_order)
        .await
        .unwrap();
    let request_hash = client
        .publish(&world.roles.requester, &request_order)
        .await
        .unwrap();
    // Publishing again is idempotent.
    assert_eq!(
        client
            .publish(&world.roles.app_developer, &app_order)
            .await
            .unwrap(),
        app_hash
    );

    // A cheaper app order restricted to the dataset, and one restricted to another dataset.
    let restricted = AppOrder {
        appprice: nrlc(1),
        datasetrestrict: dataset,
        salt: salt(1),
        ..draft.app.clone()
    };
    let restricted = world.sign(restricted, &world.roles.app_developer);
    let restricted_hash = client
        .publish(&world.roles.app_developer, &restricted)
        .await
        .unwrap();
    let elsewhere = AppOrder {
        datasetrestrict: Address::repeat_byte(0xde),
        salt: salt(2),
        ..draft.app.clone()
    };
    let elsewhere = world.sign(elsewhere, &world.roles.app_developer);
    let elsewhere_hash = client
        .publish(&world.roles.app_developer, &elsewhere)
        .await
        .unwrap();

    let hashes = |page: &confide_market::OrderPage| {
        page.orders.iter().map(|o| o.order_hash).collect::<Vec<_>>()
    };
    let apps =
        |query: OrderQuery| async move { client.orders(OrderKind::App, &query).await.unwrap() };
    // Every app order of the app, cheapest first, then oldest.
    let all = apps(OrderQuery {
        app: Some(app),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(all.count, 3);
    assert_eq!(hashes(&all), [restricted_hash, app_hash, elsewhere_hash]);
    assert_eq!(all.next_page, None);
    let first = &all.orders[1];
    assert_eq!(first.status, OrderStatus::Open);
    assert_eq!(first.signer, world.roles.app_developer.address());
    assert_eq!(first.remaining, U256::from(3));
    assert_eq!(first.chain_id, world.chain.chain_id());
    assert_eq!(typed::<AppOrder>(first), app_order);
    // Non-strict: orders restricted to the dataset and orders open to any dataset.
    let for_dataset = apps(OrderQuery {
        app: Some(app),
        dataset: Some(dataset),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&for_dataset), [restricted_hash, app_hash]);
    // Strict: only the order restricted to exactly the dataset.
    let strict = apps(OrderQuery {
        dataset: Some(dataset),
        dataset_strict: true,
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&strict), [restricted_hash]);
    // Prices, volumes, tags, owners.
    let cheap = apps(OrderQuery {
        max_price: Some(nrlc(1)),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&cheap), [restricted_hash]);
    let big = apps(OrderQuery {
        min_volume: Some(U256::from(4)),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(big.count, 0);
    let tee = Tag::from_bits(&[TagBit::Tee]);
    let tdx = Tag::from_bits(&[TagBit::Tee, TagBit::Tdx]);
    assert_eq!(
        apps(OrderQuery {
            min_tag: Some(tee),
            ..OrderQuery::default()
        })
        .await
        .count,
        3
    );
    assert_eq!(
        apps(OrderQuery {
            max_tag: Some(tee),
            ..OrderQuery::default()
        })
        .await
        .count,
        0,
        "a TDX order has a bit outside `tee`"
    );
    assert_eq!(
        apps(OrderQuery {
            max_tag: Some(tdx),
            min_tag: Some(tdx),
            ..OrderQuery::default()
        })
        .await
        .count,
        3
    );
    assert_eq!(
        apps(OrderQuery {
            owner: Some(world.roles.stranger.address()),
            ..OrderQuery::default()
        })
        .await
        .count,
        0
    );

    // Dataset orders as DataProtector's getGrantedAccess asks them: the dataset, the app
    // strictly, any requester; with bulk-grade orders among them.
    let granted = DatasetOrder {
        apprestrict: app,
        requesterrestrict: requester,
        salt: salt(3),
        ..draft.dataset.clone().unwrap()
    };
    let granted = world.sign(granted, &world.roles.data_owner);
    let granted_hash = client
        .publish(&world.roles.data_owner, &granted)
        .await
        .unwrap();
    let bulk = DatasetOrder {
        datasetprice: U256::ZERO,
        volume: U256::from(BULK_MIN_VOLUME + 1),
        apprestrict: app,
        salt: salt(4),
        ..draft.dataset.clone().unwrap()
    };
    let bulk = world.sign(bulk, &world.roles.data_owner);
    let bulk_hash = client
        .publish(&world.roles.data_owner, &bulk)
        .await
        .unwrap();
    let datasets =
        |query: OrderQuery| async move { client.orders(OrderKind::Dataset, &query).await.unwrap() };
    let access = datasets(OrderQuery {
        dataset: Some(dataset),
        app: Some(app),
        app_strict: true,
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&access), [bulk_hash, granted_hash]);
    assert_eq!(access.orders[0].remaining, U256::from(BULK_MIN_VOLUME + 1));
    let for_requester = datasets(OrderQuery {
        dataset: Some(dataset),
        requester: Some(requester),
        requester_strict: true,
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&for_requester), [granted_hash]);
    let for_stranger = datasets(OrderQuery {
        requester: Some(world.roles.stranger.address()),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&for_stranger), [bulk_hash, dataset_hash]);
    let bulk_only = datasets(OrderQuery {
        dataset: Some(dataset),
        bulk_only: true,
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(hashes(&bulk_only), [bulk_hash]);

    // Workerpool orders by category and trust; request orders, highest bid first.
    let pools = client
        .orders(
            OrderKind::Workerpool,
            &OrderQuery {
                category: Some(U256::ZERO),
                min_tag: Some(tdx),
                workerpool: Some(workerpool),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hashes(&pools), [workerpool_hash]);
    let trusted = client
        .orders(
            OrderKind::Workerpool,
            &OrderQuery {
                min_trust: Some(U256::from(1)),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(trusted.count, 0);
    let richer = RequestOrder {
        workerpoolmaxprice: terms.workerpool_price + nrlc(1),
        salt: salt(5),
        ..draft.request.clone()
    };
    let richer = world.sign(richer, &world.roles.requester);
    let richer_hash = client
        .publish(&world.roles.requester, &richer)
        .await
        .unwrap();
    let requests = client
        .orders(
            OrderKind::Request,
            &OrderQuery {
                requester: Some(requester),
                app: Some(app),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hashes(&requests), [richer_hash, request_hash]);
    let bids = client
        .orders(
            OrderKind::Request,
            &OrderQuery {
                min_price: Some(terms.workerpool_price + nrlc(1)),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hashes(&bids), [richer_hash]);

    // Match the cheapest orders the book offers for the request.
    let app_offer = &all.orders[1];
    assert_eq!(app_offer.order_hash, app_hash);
    let pool_offer = &pools.orders[0];
    let book_dataset = client
        .order(OrderKind::Dataset, dataset_hash)
        .await
        .unwrap()
        .unwrap();
    let book_request = client
        .order(OrderKind::Request, request_hash)
        .await
        .unwrap()
        .unwrap();
    world
        .chain
        .match_orders(
            requester,
            &typed::<AppOrder>(app_offer),
            Some(&typed::<DatasetOrder>(&book_dataset)),
            &typed::<WorkerpoolOrder>(pool_offer),
            &typed::<RequestOrder>(&book_request),
        )
        .await
        .unwrap();
    world.synced().await;

    // Volume-1 orders are filled and gone from queries; the app order shows 2 left.
    let after = apps(OrderQuery {
        app: Some(app),
        ..OrderQuery::default()
    })
    .await;
    let matched = after
        .orders
        .iter()
        .find(|o| o.order_hash == app_hash)
        .unwrap();
    assert_eq!(matched.remaining, U256::from(2));
    for (kind, hash) in [
        (OrderKind::Dataset, dataset_hash),
        (OrderKind::Workerpool, workerpool_hash),
        (OrderKind::Request, request_hash),
    ] {
        let listed = client.orders(kind, &OrderQuery::default()).await.unwrap();
        assert!(
            listed.orders.iter().all(|o| o.order_hash != hash),
            "{kind} order still listed"
        );
        let order = client.order(kind, hash).await.unwrap().unwrap();
        assert_eq!(
            (order.status, order.remaining),
            (OrderStatus::Filled, U256::ZERO)
        );
    }
}

on_both_databases!(pages_hold_the_best_prices_first);

async fn pages_hold_the_best_prices_first(database: String) {
    let world = World::start(&database).await;
    let draft = world.draft(&Terms::tee());
    let mut published = Vec::new();
    // 23 dataset orders at prices 22, 21, … 0 nRLC, and two at price 5 published in order.
    for n in 0..23u64 {
        let order = DatasetOrder {
            datasetprice: nrlc(22 - n),
            salt: salt(100 + n),
            ..draft.dataset.clone().unwrap()
        };
        let order = world.sign(order, &world.roles.data_owner);
        let hash = world
            .client
            .publish(&world.roles.data_owner, &order)
            .await
            .unwrap();
        published.push((22 - n, n, hash));
    }
    let tie = DatasetOrder {
        datasetprice: nrlc(5),
        salt: salt(200),
        ..draft.dataset.clone().unwrap()
    };
    let tie = world.sign(tie, &world.roles.data_owner);
    let tie_hash = world
        .client
        .publish(&world.roles.data_owner, &tie)
        .await
        .unwrap();
    published.push((5, 99, tie_hash));
    published.sort();
    let expected: Vec<_> = published.iter().map(|(_, _, hash)| *hash).collect();

    let mut seen = Vec::new();
    let mut page = 0;
    loop {
        let answer = world
            .client
            .orders(
                OrderKind::Dataset,
                &OrderQuery {
                    page,
                    page_size: 10,
                    ..OrderQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(answer.count, 24);
        seen.extend(answer.orders.iter().map(|o| o.order_hash));
        match answer.next_page {
            Some(next) => page = next,
            None => break,
        }
    }
    assert_eq!(page, 2);
    assert_eq!(seen, expected);
    // Past the end: empty, still counted.
    let beyond = world
        .client
        .orders(
            OrderKind::Dataset,
            &OrderQuery {
                page: 7,
                page_size: 10,
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (beyond.count, beyond.orders.len(), beyond.next_page),
        (24, 0, None)
    );
}
