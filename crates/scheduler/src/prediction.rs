//! How many replicates a replicated task needs: the middleware's consensus prediction
//! (poco.md §3.13).
//!
//! A result group's weight is the product of its contributors' weights; the best group counts
//! the replicates still pending as if they will join it. Another replicate is handed out only
//! while even that optimistic best group would not reach the contract's consensus:
//! `B × trust ≤ (1 + B + W) × (trust − 1)`, with `B` the best prediction and `W` the other
//! groups' weights.

use alloy_primitives::{B256, U256};
use std::collections::HashMap;

/// What a task's replicates are at: the contributions on-chain and the ones awaited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prediction {
    /// Each contribution counted on-chain: its result hash and its worker's weight.
    pub contributed: Vec<(B256, U256)>,
    /// The weights of the workers handed a replicate that did not contribute yet.
    pub pending: Vec<U256>,
}

impl Prediction {
    /// The best group's predicted weight `B` (pending weights multiplied in) and the other
    /// groups' total `W`.
    pub fn weights(&self) -> (U256, U256) {
        let mut groups: HashMap<B256, U256> = HashMap::new();
        for (hash, weight) in &self.contributed {
            let group = groups.entry(*hash).or_insert(U256::from(1));
            *group = group.saturating_mul(*weight);
        }
        let best = groups.values().copied().max();
        let others = match best {
            Some(best) => groups
                .values()
                .copied()
                .fold(U256::ZERO, U256::saturating_add)
                .saturating_sub(best),
            None => U256::ZERO,
        };
        let pending = self
            .pending
            .iter()
            .copied()
            .fold(None, |product: Option<U256>, weight| {
                Some(product.unwrap_or(U256::from(1)).saturating_mul(weight))
            });
        let predicted = match (best, pending) {
            (Some(best), Some(pending)) => best.saturating_mul(pending),
            (Some(best), None) => best,
            (None, Some(pending)) => pending,
            (None, None) => U256::ZERO,
        };
        (predicted, others)
    }

    /// Whether the task needs another replicate to reach consensus at `trust` (the deal's,
    /// 0 and 1 alike).
    pub fn needs_another(&self, trust: U256) -> bool {
        let trust = trust.max(U256::from(1));
        let (best, others) = self.weights();
        let total = U256::from(1).saturating_add(best).saturating_add(others);
        best.saturating_mul(trust) <= total.saturating_mul(trust - U256::from(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confide_protocol::consensus::{consensus_reached, worker_weight};

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    const FRESH: u64 = 2;

    #[test]
    fn trust_one_hands_out_a_single_replicate() {
        let mut prediction = Prediction::default();
        assert!(prediction.needs_another(u(1)));
        assert!(prediction.needs_another(u(0)));
        prediction.pending.push(u(FRESH));
        assert!(!prediction.needs_another(u(1)));
    }

    #[test]
    fn trust_three_with_fresh_workers_needs_two_agreeing() {
        let mut prediction = Prediction::default();
        assert!(prediction.needs_another(u(3)));
        prediction.pending.push(u(FRESH));
        assert!(prediction.needs_another(u(3)));
        prediction.pending.push(u(FRESH));
        assert!(!prediction.needs_another(u(3)));
        // The chain agrees: two fresh workers agreeing reach consensus at trust 3, one does not.
        assert!(consensus_reached(u(4), u(5), u(3)));
        assert!(!consensus_reached(u(2), u(3), u(3)));
    }

    #[test]
    fn a_dissenting_contribution_calls_for_more() {
        let (a, b) = (B256::repeat_byte(0xa), B256::repeat_byte(0xb));
        // The dishonest worker contributed A, an honest one B: 2 vs 2.
        let mut prediction = Prediction {
            contributed: vec![(a, u(FRESH)), (b, u(FRESH))],
            pending: vec![],
        };
        assert_eq!(prediction.weights(), (u(2), u(2)));
        assert!(prediction.needs_another(u(3)));
        prediction.pending.push(u(FRESH));
        // B = 4, W = 2: 12 ≤ 14, one more.
        assert!(prediction.needs_another(u(3)));
        prediction.pending.push(u(FRESH));
        // B = 8, W = 2: 24 > 22, enough (and the chain agrees once they contribute).
        assert!(!prediction.needs_another(u(3)));
        assert!(consensus_reached(u(8), u(11), u(3)));
    }

    #[test]
    fn the_documented_example() {
        // Scores 12, 100, 300 (weights 3, 32, 99), trust 100: after a disagreeing pair, the
        // third worker (pending) would give 32 × 99 against 3: enough.
        let [w1, w2, w3] = [12u64, 100, 300].map(|s| worker_weight(u(s)));
        let prediction = Prediction {
            contributed: vec![(B256::repeat_byte(1), w1), (B256::repeat_byte(2), w2)],
            pending: vec![w3],
        };
        assert_eq!(prediction.weights(), (u(3168), u(3)));
        assert!(!prediction.needs_another(u(100)));
        let without_third = Prediction {
            pending: vec![],
            ..prediction
        };
        assert!(without_third.needs_another(u(100)));
    }
}
