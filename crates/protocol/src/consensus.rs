//! Protocol constants and the arithmetic of deadlines, stakes and consensus (poco.md §2.4,
//! §3.3–3.13), shared by the contracts' tests, the scheduler and the SDK's estimates.

use alloy_primitives::U256;

/// Contribution deadline = deal start + 7 × category time reference.
pub const CONTRIBUTION_DEADLINE_RATIO: u64 = 7;
/// Reveal deadline = consensus time + 2 × category time reference.
pub const REVEAL_DEADLINE_RATIO: u64 = 2;
/// Final deadline = deal start + 10 × category time reference.
pub const FINAL_DEADLINE_RATIO: u64 = 10;
/// Percentage of the workerpool price the pool owner stakes per task at match time.
pub const WORKERPOOL_STAKE_RATIO: u64 = 30;
/// Percentage of the kitty paid to a scheduler on each finalize.
pub const KITTY_RATIO: u64 = 10;
/// Minimum kitty payout (1 RLC in nRLC).
pub const KITTY_MIN: u64 = 1_000_000_000;
/// ERC-734 key purpose that makes an account a member of a restriction group.
pub const GROUP_MEMBER_PURPOSE: u64 = 4;

/// A task time class (poco.md §3.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Name (`XS` … `XL`).
    pub name: &'static str,
    /// Maximum compute time, seconds.
    pub work_clock_time_ref: u64,
}

/// The categories created at deployment, by index.
pub const DEFAULT_CATEGORIES: [Category; 5] = [
    Category {
        name: "XS",
        work_clock_time_ref: 300,
    },
    Category {
        name: "S",
        work_clock_time_ref: 1200,
    },
    Category {
        name: "M",
        work_clock_time_ref: 3600,
    },
    Category {
        name: "L",
        work_clock_time_ref: 10800,
    },
    Category {
        name: "XL",
        work_clock_time_ref: 36000,
    },
];

/// Deadlines of every task of a deal, anchored on the deal's start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDeadlines {
    /// Contributions accepted strictly before this time.
    pub contribution: u64,
    /// Anyone may claim a refund from this time if the task is not completed.
    pub final_deadline: u64,
}

/// The deadlines `initialize` sets.
pub fn task_deadlines(deal_start: u64, time_ref: u64) -> TaskDeadlines {
    TaskDeadlines {
        contribution: deal_start
            .saturating_add(CONTRIBUTION_DEADLINE_RATIO.saturating_mul(time_ref)),
        final_deadline: deal_start.saturating_add(FINAL_DEADLINE_RATIO.saturating_mul(time_ref)),
    }
}

/// The reveal deadline set when consensus is reached at `now`.
pub fn reveal_deadline(now: u64, time_ref: u64) -> u64 {
    now.saturating_add(REVEAL_DEADLINE_RATIO.saturating_mul(time_ref))
}

/// `deal.trust = max(request.trust, 1)`.
pub fn deal_trust(request_trust: U256) -> U256 {
    request_trust.max(U256::from(1))
}

/// The pool owner's stake locked by a match: per-task stake first, then × volume (the rounding
/// order is the contract's).
pub fn workerpool_stake(workerpool_price: U256, volume: U256) -> U256 {
    workerpool_price * U256::from(WORKERPOOL_STAKE_RATIO) / U256::from(100) * volume
}

/// A worker's weight from its score (k = 3): `max(score / 3, 3) − 1`, so at least 2.
pub fn worker_weight(score: U256) -> U256 {
    (score / U256::from(3)).max(U256::from(3)) - U256::from(1)
}

/// The reward-share weight stored with a contribution: ⌊log2(weight)⌋.
pub fn contribution_weight(weight: U256) -> u64 {
    weight.checked_log2().map_or(0, |log| log as u64)
}

/// Consensus test for a result group: `group × trust > total × (trust − 1)` with `trust` the
/// deal trust (≥ 1), `group` the product of its contributors' weights and `total` =
/// 1 + Σ groups.
pub fn consensus_reached(group: U256, total: U256, trust: U256) -> bool {
    let trust = trust.max(U256::from(1));
    group.saturating_mul(trust) > total.saturating_mul(trust - U256::from(1))
}

/// A worker's score after a task: +1 for a correct contribution to a replicated task, ⌊2s/3⌋
/// for a wrong or unrevealed one, unchanged otherwise.
pub fn updated_score(score: U256, correct: bool, replicated: bool) -> U256 {
    match (correct, replicated) {
        (true, true) => score + U256::from(1),
        (true, false) => score,
        (false, _) => score * U256::from(2) / U256::from(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    /// The worked example of the PoCo documentation: scores 12/100/300, trust 100, two workers
    /// agreeing on one result after a third disagreed.
    #[test]
    fn documented_example_reaches_consensus_on_the_third_contribution() {
        let weights: Vec<_> = [12, 100, 300].map(|s| worker_weight(u(s))).to_vec();
        assert_eq!(weights, [u(3), u(32), u(99)]);
        let trust = u(100);
        // After worker 1 (result A) and worker 2 (result B): total = 1 + 3 + 32.
        assert!(!consensus_reached(u(32), u(36), trust));
        // Worker 3 joins B: group B = 32 × 99, total = 1 + 3 + 3168 (≈ 99.87 % credibility).
        assert!(consensus_reached(u(3168), u(3172), trust));
        assert_eq!(
            [contribution_weight(u(32)), contribution_weight(u(99))],
            [5, 6]
        );
    }

    #[test]
    fn trust_one_or_zero_accepts_the_first_contribution() {
        assert!(consensus_reached(u(2), u(3), u(1)));
        assert!(consensus_reached(u(2), u(3), u(0)));
        assert_eq!(deal_trust(u(0)), u(1));
    }

    #[test]
    fn stakes_and_deadlines() {
        assert_eq!(workerpool_stake(u(7), u(3)), u(6)); // ⌊7 × 30 / 100⌋ × 3, not ⌊21 × 30 / 100⌋
        let deadlines = task_deadlines(1_000, DEFAULT_CATEGORIES[0].work_clock_time_ref);
        assert_eq!(
            deadlines,
            TaskDeadlines {
                contribution: 3_100,
                final_deadline: 4_000
            }
        );
        assert_eq!(reveal_deadline(2_000, 300), 2_600);
    }

    #[test]
    fn scores() {
        assert_eq!(updated_score(u(10), true, true), u(11));
        assert_eq!(updated_score(u(10), true, false), u(10));
        assert_eq!(updated_score(u(10), false, true), u(6));
        assert_eq!(worker_weight(u(0)), u(2));
    }
}
