//! Deals and tasks of matched orders, found by their parties with their status history;
//! escrow balances equal the chain's `viewAccount`.

use std::collections::HashSet;

use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::scenario::{KITTY, Terms};
use confide_indexer::IndexerClient;
use confide_indexer::model::{AssetKind, TaskEventKind, TaskStatus};
use confide_indexer::query::{AssetQuery, DealQuery, TaskQuery};

use crate::world::{World, follow_config, serve_api};

on_both_databases!(finds_deals_and_tasks_by_party_with_their_history_and_balances);

async fn deal_ids(client: &IndexerClient, query: DealQuery) -> Vec<B256> {
    let page = client.deals(&query).await.unwrap();
    assert!(!page.has_more);
    page.items.into_iter().map(|d| d.deal_id).collect()
}

async fn task_ids(client: &IndexerClient, query: TaskQuery) -> Vec<B256> {
    let page = client.tasks(&query).await.unwrap();
    assert!(!page.has_more);
    page.items.into_iter().map(|t| t.task_id).collect()
}

fn set(ids: &[B256]) -> HashSet<B256> {
    ids.iter().copied().collect()
}

async fn finds_deals_and_tasks_by_party_with_their_history_and_balances(url: &str) {
    let world = World::start().await;
    let market = world.market().await;
    let roles = &world.roles;
    let follower = world.follower(url, follow_config()).await;
    follower.start().await.unwrap().catch_up().await.unwrap();
    let (_server, client) = serve_api(&follower).await;
    let requester = Some(roles.requester.address());
    let dataset = market.assets.dataset;

    // Deals, newest first, by party.
    assert_eq!(
        deal_ids(
            &client,
            DealQuery {
                requester,
                ..DealQuery::default()
            }
        )
        .await,
        [market.reopened_deal, market.tee_deal]
    );
    assert_eq!(
        deal_ids(
            &client,
            DealQuery {
                requester: Some(roles.other_requester.address()),
                ..DealQuery::default()
            }
        )
        .await,
        [market.standard_deal]
    );
    assert_eq!(
        deal_ids(
            &client,
            DealQuery {
                dataset,
                ..DealQuery::default()
            }
        )
        .await,
        [market.standard_deal, market.tee_deal]
    );
    let everything = [market.reopened_deal, market.standard_deal, market.tee_deal];
    for query in [
        DealQuery {
            app: Some(market.assets.app),
            ..DealQuery::default()
        },
        DealQuery {
            workerpool: Some(market.assets.workerpool),
            ..DealQuery::default()
        },
        DealQuery::default(),
    ] {
        assert_eq!(deal_ids(&client, query).await, everything);
    }
    assert!(
        deal_ids(
            &client,
            DealQuery {
                requester,
                dataset,
                app: Some(Address::repeat_byte(1)),
                ..DealQuery::default()
            }
        )
        .await
        .is_empty()
    );

    // A deal is the chain's record.
    let deal = client.deal(market.tee_deal).await.unwrap().unwrap();
    let on_chain = world.chain.deal(market.tee_deal).await.unwrap();
    assert_eq!(deal.app.pointer, market.assets.app);
    assert_eq!(deal.app.owner, roles.app_developer.address());
    assert_eq!(deal.dataset.pointer, dataset.unwrap());
    assert_eq!(deal.workerpool.owner, roles.scheduler.address());
    assert_eq!(deal.app.price, on_chain.app.price);
    assert_eq!(deal.dataset.price, on_chain.dataset.price);
    assert_eq!(deal.workerpool.price, on_chain.workerpool.price);
    assert_eq!(deal.tag, Terms::tee().tag.0);
    assert_eq!(deal.tag, on_chain.tag);
    assert_eq!(
        (deal.trust, deal.category),
        (on_chain.trust, on_chain.category)
    );
    assert_eq!(deal.params, on_chain.params);
    assert_eq!(deal.requester, on_chain.requester);
    assert_eq!(deal.beneficiary, on_chain.beneficiary);
    assert_eq!(U256::from(deal.start_time), on_chain.startTime);
    assert_eq!((deal.bot_first, deal.bot_size), (U256::ZERO, U256::from(2)));
    assert_eq!(deal.volume, U256::from(2));
    assert_eq!(deal.worker_stake, on_chain.workerStake);
    assert_eq!(deal.sponsor, roles.requester.address());
    assert!(
        [
            deal.app_order_hash,
            deal.dataset_order_hash,
            deal.workerpool_order_hash,
            deal.request_order_hash
        ]
        .iter()
        .all(|h| !h.is_zero())
    );
    let standard = client.deal(market.reopened_deal).await.unwrap().unwrap();
    assert!(standard.dataset_order_hash.is_zero());
    assert_eq!(standard.dataset.pointer, Address::ZERO);
    assert!(client.deal(B256::repeat_byte(9)).await.unwrap().is_none());

    // Tasks by party, deal and status.
    let [tee_task, claimed_task] = market.tee_tasks;
    assert_eq!(
        task_ids(
            &client,
            TaskQuery {
                requester,
                ..TaskQuery::default()
            }
        )
        .await,
        [market.reopened_task, claimed_task, tee_task]
    );
    assert_eq!(
        task_ids(
            &client,
            TaskQuery {
                deal: Some(market.tee_deal),
                ..TaskQuery::default()
            }
        )
        .await,
        [claimed_task, tee_task]
    );
    assert_eq!(
        task_ids(
            &client,
            TaskQuery {
                dataset,
                ..TaskQuery::default()
            }
        )
        .await,
        [market.standard_task, claimed_task, tee_task]
    );
    assert_eq!(
        set(&task_ids(
            &client,
            TaskQuery {
                status: Some(TaskStatus::Completed),
                ..TaskQuery::default()
            }
        )
        .await),
        set(&[tee_task, market.standard_task])
    );
    assert_eq!(
        set(&task_ids(
            &client,
            TaskQuery {
                status: Some(TaskStatus::Failed),
                workerpool: Some(market.assets.workerpool),
                app: Some(market.assets.app),
                ..TaskQuery::default()
            }
        )
        .await),
        set(&[claimed_task, market.reopened_task])
    );
    assert!(
        task_ids(
            &client,
            TaskQuery {
                status: Some(TaskStatus::Active),
                ..TaskQuery::default()
            }
        )
        .await
        .is_empty()
    );

    // Each task's history, and its status as the chain says.
    use TaskEventKind::*;
    use TaskStatus::*;
    for (task, events, statuses, results) in [
        (
            tee_task,
            vec![Initialize, Contribute, Consensus, Reveal, Finalize],
            vec![Active, Active, Revealing, Revealing, Completed],
            Some(Bytes::from_static(b"/ipfs/bafkreitee")),
        ),
        (
            claimed_task,
            vec![Initialize, Claimed],
            vec![Active, Failed],
            None,
        ),
        (
            market.standard_task,
            vec![Initialize, Contribute, Consensus, Reveal, Finalize],
            vec![Active, Active, Revealing, Revealing, Completed],
            Some(Bytes::from_static(b"/ipfs/bafkreistandard")),
        ),
        (
            market.reopened_task,
            vec![Initialize, Contribute, Consensus, Reopen, Claimed],
            vec![Active, Active, Revealing, Active, Failed],
            None,
        ),
    ] {
        let details = client.task(task).await.unwrap().unwrap();
        let kinds: Vec<_> = details.history.iter().map(|e| e.event).collect();
        let after: Vec<_> = details.history.iter().map(|e| e.status).collect();
        assert_eq!((kinds, after), (events, statuses), "task {task}");
        assert_eq!(details.task.results, results);
        let on_chain = world.chain.task(task).await.unwrap();
        let status_code = match details.task.status {
            Active => 1,
            Revealing => 2,
            Completed => 3,
            Failed => 4,
        };
        assert_eq!(status_code, on_chain.status, "task {task}");
        assert_eq!(details.task.deal_id, on_chain.dealid);
        assert_eq!(details.task.index, on_chain.idx);
        let contribute = details.history.iter().find(|e| e.event == Contribute);
        if let Some(contribute) = contribute {
            assert_eq!(contribute.worker, Some(roles.worker.address()));
        }
    }
    let details = client.task(tee_task).await.unwrap().unwrap();
    assert_eq!(details.task.requester, requester);
    assert_eq!(details.task.app, Some(market.assets.app));
    assert!(client.task(B256::repeat_byte(3)).await.unwrap().is_none());

    // Balances and locked funds: the chain's, for every account that moved funds.
    let mut accounts = roles.all();
    accounts.extend([world.chain.deployment().protocol, KITTY]);
    for account in accounts {
        let indexed = client.account(account).await.unwrap();
        let on_chain = world.chain.account(account).await.unwrap();
        assert_eq!(
            (indexed.balance, indexed.locked),
            (on_chain.stake, on_chain.locked),
            "account {account}"
        );
    }
    assert!(!client.account(KITTY).await.unwrap().locked.is_zero());
    let nobody = client.account(Address::repeat_byte(5)).await.unwrap();
    assert_eq!((nobody.balance, nobody.last_block), (U256::ZERO, None));

    // The assets, by owner.
    for (kind, owner, address) in [
        (
            AssetKind::App,
            roles.app_developer.address(),
            market.assets.app,
        ),
        (
            AssetKind::Dataset,
            roles.data_owner.address(),
            dataset.unwrap(),
        ),
        (
            AssetKind::Workerpool,
            roles.scheduler.address(),
            market.assets.workerpool,
        ),
    ] {
        let page = client
            .assets(
                kind,
                &AssetQuery {
                    owner: Some(owner),
                    ..AssetQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].address, address);
        assert_eq!(page.items[0].owner, owner);
        assert_eq!(
            client.asset(kind, address).await.unwrap().unwrap().kind,
            kind
        );
    }
    let app = client
        .asset(AssetKind::App, market.assets.app)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (app.name.as_str(), app.app_type.as_deref()),
        ("hello", Some("WASM"))
    );
    assert!(
        client
            .asset(AssetKind::Dataset, market.assets.app)
            .await
            .unwrap()
            .is_none()
    );
    let pool = client
        .asset(AssetKind::Workerpool, market.assets.workerpool)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pool.name, "pool");
}
