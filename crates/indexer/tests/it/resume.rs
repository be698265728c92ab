//! An indexer stopped mid-stream (a small scan range, so that it really is) and restarted on
//! the same database resumes with no gap and no duplicate: every view and row count equals a
//! fresh indexer's that indexed everything in one go.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::U256;
use confide_chain::artifacts::bindings::IAppRegistry;
use confide_chain::scenario::{KITTY, Terms};
use confide_indexer::{FollowConfig, Step};

use crate::views::snapshot;
use crate::world::{World, follow_config};

on_both_databases!(resumes_after_a_restart_with_no_gap_and_no_duplicate);

async fn resumes_after_a_restart_with_no_gap_and_no_duplicate(url: &str) {
    let world = World::start().await;
    let roles = &world.roles;
    for i in 0..5 {
        world
            .protect(
                &roles.data_owner,
                &format!("first {i}"),
                r#"{"email":"string"}"#,
            )
            .await;
    }
    let market = world.market().await;
    let small_range = FollowConfig {
        max_range: 3,
        ..follow_config()
    };

    // Stepped: a few ranges of 3 blocks, then stopped.
    let head = world.chain.block_number().await.unwrap();
    let stopped_at = {
        let follower = world.follower(url, small_range.clone()).await;
        let mut following = follower.start().await.unwrap();
        for _ in 0..4 {
            let step = following.step().await.unwrap();
            assert!(matches!(step, Step::Indexed { .. }), "{step:?}");
        }
        following.next_block()
    };
    assert!(stopped_at <= head, "stopped at {stopped_at}, head {head}");

    // More events; then the follower runs in the background and is stopped at any point, even
    // in the middle of a range (nothing of an unfinished range is kept).
    for i in 0..5 {
        world
            .protect(
                &roles.stranger,
                &format!("second {i}"),
                r#"{"picture":"image/png"}"#,
            )
            .await;
    }
    let follower = Arc::new(world.follower(url, small_range.clone()).await);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let follower = follower.clone();
        async move {
            follower
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        }
    });
    let target = stopped_at + 9;
    while follower.store().checkpoint().await.unwrap().next_block < target {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.send(()).unwrap();
    running.await.unwrap();
    let second_stop = follower.store().checkpoint().await.unwrap().next_block;
    assert!(second_stop > stopped_at);
    drop(follower);

    // Still more: another deal, an app changing hands.
    let deal = world
        .deal(
            &market.assets,
            &Terms {
                salt: 7,
                ..Terms::tee()
            },
            &roles.requester,
        )
        .await;
    world.initialize(deal, 0).await;
    world
        .chain
        .send(
            roles.app_developer.address(),
            world.chain.deployment().app_registry,
            &IAppRegistry::transferFromCall {
                from: roles.app_developer.address(),
                to: roles.stranger.address(),
                tokenId: U256::from_be_bytes(market.assets.app.into_word().0),
            },
        )
        .await
        .unwrap();

    // Restarted on the same database, it catches up.
    let resumed = world.follower(url, small_range).await;
    let mut following = resumed.start().await.unwrap();
    assert_eq!(following.next_block(), second_stop);
    following.catch_up().await.unwrap();
    let head = world.chain.block_number().await.unwrap();
    assert_eq!(following.next_block(), head + 1);

    // A fresh indexer, everything in one go (in memory, so PostgreSQL is compared with SQLite).
    let fresh = world.follower("sqlite::memory:", follow_config()).await;
    fresh.start().await.unwrap().catch_up().await.unwrap();

    let mut accounts = roles.all();
    accounts.extend([world.chain.deployment().protocol, KITTY]);
    // Statistics refreshed (as after a large catch-up) change no answer.
    resumed.store().analyze().await.unwrap();
    let resumed_views = snapshot(resumed.store(), &accounts).await;
    let fresh_views = snapshot(fresh.store(), &accounts).await;
    assert_eq!(resumed_views, fresh_views);
    let rows = &resumed_views["rows"];
    assert_eq!(rows["protected_data"], 10);
    assert_eq!(rows["deals"], 4);
    assert_eq!(rows["tasks"], 5);
    assert_eq!(rows["assets"], 13);
    // The app's second owner.
    assert_eq!(
        resumed_views["assets"][0]["items"][0]["owner"],
        format!("{:#x}", roles.stranger.address())
    );
    for account in &accounts {
        let on_chain = world.chain.account(*account).await.unwrap();
        let indexed = resumed.store().account(*account).await.unwrap();
        assert_eq!(
            (indexed.balance, indexed.locked),
            (on_chain.stake, on_chain.locked)
        );
    }
}

/// A step that fails after the watcher moved on (here: the database refuses the rows) applies
/// nothing; the next step retries the same range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_applies_nothing_and_is_retried() {
    let world = World::start().await;
    let roles = &world.roles;
    world
        .protect(&roles.data_owner, "before", r#"{"email":"string"}"#)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/indexer.db", dir.path().display());
    let follower = world.follower(&url, follow_config()).await;
    let mut following = follower.start().await.unwrap();
    following.catch_up().await.unwrap();
    let before = follower.store().checkpoint().await.unwrap();
    world
        .protect(&roles.data_owner, "after", r#"{"email":"string"}"#)
        .await;

    sqlx::any::install_default_drivers();
    let raw = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE protected_data RENAME TO protected_data_away")
        .execute(&raw)
        .await
        .unwrap();
    assert!(following.step().await.is_err());
    assert_eq!(follower.store().checkpoint().await.unwrap(), before);
    assert!(follower.progress().last_error().is_some());
    sqlx::query("ALTER TABLE protected_data_away RENAME TO protected_data")
        .execute(&raw)
        .await
        .unwrap();

    following.catch_up().await.unwrap();
    assert!(follower.progress().last_error().is_none());
    let fresh = world.follower("sqlite::memory:", follow_config()).await;
    fresh.start().await.unwrap().catch_up().await.unwrap();
    let accounts = roles.all();
    assert_eq!(
        snapshot(follower.store(), &accounts).await,
        snapshot(fresh.store(), &accounts).await
    );
    assert_eq!(
        follower.store().row_counts().await.unwrap()["protected_data"],
        2
    );
}
