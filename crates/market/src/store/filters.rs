//! The `WHERE` of a query: each filter of [`OrderQuery`] as a condition on the indexed columns.

use super::codec::{address_text, tag_bits, word};
use super::orders::{PARTY_COLUMNS, asset_column};
use super::sql::{Arg, Conditions};
use crate::query::{BULK_MIN_VOLUME, OrderQuery};
use alloy_primitives::{Address, U256};
use confide_protocol::order::OrderKind;

/// Whether `column` of an order of `kind` is a restriction (rather than an exact party).
fn is_restriction(kind: OrderKind, column: &str) -> bool {
    match kind {
        OrderKind::Request => column == "workerpool",
        _ => column != asset_column(kind),
    }
}

/// The conditions selecting the open orders of `kind` that `query` asks for.
pub(super) fn filters(kind: OrderKind, query: &OrderQuery) -> Conditions {
    let mut c = Conditions::default();
    let kind_arg = c.arg(Arg::Text(kind.name().to_owned()));
    c.push(format!("kind = {kind_arg} AND status = 'open'"));
    let parties = [
        (PARTY_COLUMNS[0], query.app, query.app_strict),
        (PARTY_COLUMNS[1], query.dataset, query.dataset_strict),
        (PARTY_COLUMNS[2], query.workerpool, query.workerpool_strict),
        (PARTY_COLUMNS[3], query.requester, query.requester_strict),
    ];
    for (column, address, strict) in parties {
        let Some(address) = address else { continue };
        let value = c.arg(Arg::Text(address_text(address)));
        if strict || !is_restriction(kind, column) {
            c.push(format!("{column} = {value}"));
        } else {
            let anyone = c.arg(Arg::Text(address_text(Address::ZERO)));
            c.push(format!("{column} IN ({value}, {anyone})"));
        }
    }
    if let Some(owner) = query.owner {
        let value = c.arg(Arg::Text(address_text(owner)));
        c.push(format!("signer = {value}"));
    }
    if let Some(beneficiary) = query.beneficiary {
        let value = c.arg(Arg::Text(address_text(beneficiary)));
        c.push(format!("beneficiary = {value}"));
    }
    if let Some(tag) = query.min_tag {
        // A tag with bits above 62 is in no order of the book.
        let bits = tag_bits(tag).unwrap_or(-1);
        let value = c.arg(Arg::Int(bits));
        c.push(format!("(tag & {value}) = {value}"));
    }
    if let Some(tag) = query.max_tag {
        let low_bits = U256::from_be_bytes(tag.0.0) & U256::from(i64::MAX);
        let outside = !low_bits.to::<i64>() & i64::MAX;
        let value = c.arg(Arg::Int(outside));
        c.push(format!("(tag & {value}) = 0"));
    }
    let mut word_condition = |column: &str, op: &str, value: U256| {
        let value = c.arg(Arg::Bytes(word(value)));
        c.push(format!("{column} {op} {value}"));
    };
    if let Some(volume) = query.min_volume {
        word_condition("remaining", ">=", volume);
    }
    if let Some(price) = query.max_price {
        word_condition("sort_price", "<=", price);
    }
    if let Some(price) = query.min_price {
        word_condition("sort_price", "<=", U256::MAX - price);
    }
    if let Some(category) = query.category {
        word_condition("category", "=", category);
    }
    if let Some(trust) = query.min_trust {
        word_condition("trust", ">=", trust);
    }
    if let Some(trust) = query.max_trust {
        word_condition("trust", "<=", trust);
    }
    if query.bulk_only {
        word_condition("volume", ">=", U256::from(BULK_MIN_VOLUME));
        word_condition("sort_price", "=", U256::ZERO);
    }
    c
}
