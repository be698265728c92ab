//! Loading the committed vector file.

use alloy_primitives::{Address, B256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use serde_json::Value;
use std::sync::OnceLock;

pub(crate) fn all() -> &'static Value {
    static VECTORS: OnceLock<Value> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let text = include_str!("../vectors/orders.json");
        serde_json::from_str(text).unwrap()
    })
}

pub(crate) fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} is not a string"))
}

pub(crate) fn b256(value: &Value, key: &str) -> B256 {
    str_at(value, key).parse().unwrap()
}

pub(crate) fn address(value: &Value, key: &str) -> Address {
    str_at(value, key).parse().unwrap()
}

pub(crate) fn hex_bytes(value: &Value, key: &str) -> Vec<u8> {
    alloy_primitives::hex::decode(str_at(value, key)).unwrap()
}

/// The script's keys: keccak256("confide vector key <name>").
pub(crate) fn vector_wallet(name: &str) -> PrivateKeySigner {
    let secret = keccak256(format!("confide vector key {name}"));
    PrivateKeySigner::from_bytes(&secret).unwrap()
}
