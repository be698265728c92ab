//! The store alone: bulk insertion, idempotence, uint256 ordering beyond 64 bits, the watcher's
//! effects and checkpoint.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use confide_chain::client::WatchCheckpoint;
use confide_market::store::{Effect, OrderRow, Store};
use confide_market::{OrderQuery, OrderStatus};
use confide_protocol::SignedOrder;
use confide_protocol::order::{DatasetOrder, Order, OrderKind};

use crate::world::on_both_databases;

fn row(n: u64, price: U256, volume: U256) -> OrderRow {
    let order = DatasetOrder {
        dataset: Address::repeat_byte(0xda),
        datasetprice: price,
        volume,
        salt: keccak256(n.to_be_bytes()),
        ..DatasetOrder::default()
    };
    let signed = SignedOrder {
        order: Order::Dataset(order),
        sign: Some(Bytes::from(vec![0x1b; 65])),
    };
    let hash = keccak256(format!("order {n}"));
    OrderRow::open(
        signed,
        hash,
        Address::repeat_byte(0x0a),
        volume,
        1_000 + n as i64,
    )
    .unwrap()
}

on_both_databases!(rows_insert_in_bulk_and_sort_by_full_uint256);

async fn rows_insert_in_bulk_and_sort_by_full_uint256(database: String) {
    let store = Store::open(&database).await.unwrap();
    // Prices above 2^64 and 2^128 must sort as numbers.
    let prices = |n: u64| match n % 3 {
        0 => U256::from(n),
        1 => U256::from(n) << 70,
        _ => U256::from(n) << 130,
    };
    let rows: Vec<OrderRow> = (0..120)
        .map(|n| row(n, prices(n), U256::from(1 + n)))
        .collect();
    assert_eq!(store.insert_rows(&rows).await.unwrap(), 120);
    assert_eq!(store.insert_rows(&rows[..60]).await.unwrap(), 0);
    store.analyze().await.unwrap();
    let mut expected: Vec<(U256, B256)> = rows.iter().map(|r| (r.sort_price, r.hash)).collect();
    expected.sort();
    let page = store
        .query(
            OrderKind::Dataset,
            &OrderQuery {
                page_size: 1000,
                ..OrderQuery::default()
            },
            1,
        )
        .await
        .unwrap();
    assert_eq!(page.count, 120);
    let got: Vec<B256> = page.orders.iter().map(|o| o.order_hash).collect();
    let want: Vec<B256> = expected.iter().map(|(_, hash)| *hash).collect();
    assert_eq!(got, want);
    let cheap = store
        .query(
            OrderKind::Dataset,
            &OrderQuery {
                max_price: Some(U256::from(1) << 128),
                min_volume: Some(U256::from(100)),
                ..OrderQuery::default()
            },
            1,
        )
        .await
        .unwrap();
    // n in 99..120 with n % 3 != 2.
    assert_eq!(cheap.count, (99..120).filter(|n| n % 3 != 2).count() as u64);

    // Effects: consumption only lowers, a cancel zeroes, both with the checkpoint.
    let target = rows[10].hash;
    let checkpoint = WatchCheckpoint::starting_at(42);
    let effects = [
        Effect::Consumed {
            hash: target,
            remaining: U256::from(4),
            block: 40,
        },
        Effect::Consumed {
            hash: target,
            remaining: U256::from(9),
            block: 41,
        },
    ];
    store.apply(&effects, &checkpoint).await.unwrap();
    assert_eq!(store.checkpoint().await.unwrap(), Some(checkpoint));
    let order = store
        .order(OrderKind::Dataset, target, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.remaining, order.status),
        (U256::from(4), OrderStatus::Open)
    );
    let touched = store.touched_since(41).await.unwrap();
    assert_eq!(touched.len(), 1);
    assert_eq!(touched[0].hash, target);
    let next = WatchCheckpoint::starting_at(50);
    store
        .apply(
            &[Effect::Closed {
                hash: target,
                block: 45,
            }],
            &next,
        )
        .await
        .unwrap();
    let order = store
        .order(OrderKind::Dataset, target, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.remaining, order.status),
        (U256::ZERO, OrderStatus::Canceled)
    );
    assert_eq!(store.checkpoint().await.unwrap(), Some(next));
    assert_eq!(
        store
            .query(OrderKind::Dataset, &OrderQuery::default(), 1)
            .await
            .unwrap()
            .count,
        119
    );
}
