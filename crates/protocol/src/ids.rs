//! Deal and task identifiers (poco.md §2.2, §3.3).

use alloy_primitives::{B256, U256, keccak256};

/// `dealId = keccak256(requestOrderHash ‖ consumed)`, where `consumed` is the request order's
/// consumed volume *before* the match (so partial fills of one request make distinct deals).
pub fn deal_id(request_order_hash: B256, consumed_before: U256) -> B256 {
    keccak256(concat_words(request_order_hash, consumed_before.into()))
}

/// `taskId = keccak256(dealId ‖ idx)`, `idx` in `[botFirst, botFirst + botSize)`.
pub fn task_id(deal_id: B256, index: U256) -> B256 {
    keccak256(concat_words(deal_id, index.into()))
}

fn concat_words(first: B256, second: B256) -> [u8; 64] {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(first.as_slice());
    preimage[32..].copy_from_slice(second.as_slice());
    preimage
}
