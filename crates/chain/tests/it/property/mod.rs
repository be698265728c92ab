//! Random sequences of operations on Confide keep the books balanced.
//!
//! Deposits, withdrawals, SRLC transfers, matches (random prices, volumes, restrictions,
//! signatures — valid or not), initializations, the two contribution paths (with an
//! occasional dishonest worker), reveals, finalizations, reopens, claims after time travel and
//! order cancels. After every step:
//! - Σ balance over every account (the protocol's own included) == SRLC `totalSupply` == RLC
//!   held by the protocol, and the protocol's balance == Σ locked (kitty included) — so
//!   Σ (balance + locked) over the other accounts == `totalSupply`;
//! - no order is consumed beyond its volume;
//! - an operation that failed left the protocol's state (accounts, supply, consumed volumes,
//!   tasks, contributions, scores) unchanged.
//!
//! Operations are drawn at random, with indexes resolved against what the run knows (actors,
//! order sets, deals, tasks); most lifecycle operations prefer a task they can succeed on,
//! and an `Advance` operation takes a task through its next natural step, so that sequences
//! reach consensus, reveals, finalizations, reopens and claims.
//!
//! 32 cases of 30 to 40 steps by default; set `PROPTEST_CASES` for more.
mod model;
mod ops;
mod steps;

use crate::scenario::{CHAIN_ID, confide};
use alloy_primitives::{Address, U256};
use confide_chain::deploy::Protocol;
use confide_chain::evm::Snapshot;
use confide_chain::scenario::{Actors, Assets, RLC, Session};
use confide_chain::{Evm, EvmConfig};
use model::{Model, check_invariants, state};
use ops::{Op, op, orders};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::sync::OnceLock;
use steps::{prefund, step};

/// Confide deployed, assets created, every actor holding 10 000 RLC and every worker 20 RLC
/// deposited.
pub(super) struct Fixture {
    pub(super) snapshot: Snapshot,
    pub(super) protocol: Protocol,
    pub(super) plain: Assets,
    pub(super) tee: Assets,
}

pub(super) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (mut evm, protocol) = confide();
        let mut s = Session::new(&mut evm, &protocol, Actors::default()).unwrap();
        let app = s.create_app("app", false).unwrap();
        let tee_app = s.create_app("tee-app", true).unwrap();
        let dataset = s.create_dataset("dataset").unwrap();
        let workerpool = s.create_workerpool("pool").unwrap();
        let everyone: Vec<Address> = s
            .actors()
            .named()
            .iter()
            .map(|(_, signer)| signer.address())
            .filter(|a| *a != s.actors().owner.address())
            .collect();
        for who in everyone {
            s.fund(who, U256::from(10_000 * RLC)).unwrap();
        }
        // Workers can stake from the start.
        let workers: Vec<Address> = s.actors().workers.iter().map(|w| w.address()).collect();
        for worker in workers {
            s.deposit(worker, U256::from(20 * RLC))
                .unwrap()
                .ok()
                .unwrap();
        }
        let snapshot = s.evm().snapshot();
        Fixture {
            snapshot,
            protocol: protocol.clone(),
            plain: Assets {
                app,
                dataset: Some(dataset),
                workerpool,
            },
            tee: Assets {
                app: tee_app,
                dataset: Some(dataset),
                workerpool,
            },
        }
    })
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_operations_keep_the_books_balanced(ops in prop::collection::vec(op(), 30..=40)) {
        let f = fixture();
        let mut evm = Evm::new(EvmConfig::with_chain_id(CHAIN_ID));
        evm.restore(&f.snapshot);
        let mut s = Session::new(&mut evm, &f.protocol, Actors::default()).unwrap();
        let mut model = Model::default();
        let mut before = state(&s, &model);
        check_invariants(&model, &before);
        for (n, op) in ops.iter().enumerate() {
            if let Op::Match(spec) = op {
                // The orders join the known sets, and the deposits happen, before the step.
                let orders = orders(&s, spec);
                if spec.prefund {
                    prefund(&mut s, &orders, spec.sponsored);
                }
                model.sets.push((orders, spec.sponsored));
                before = state(&s, &model);
            }
            let succeeded = step(&mut s, &mut model, op);
            let after = state(&s, &model);
            if succeeded == Some(false) {
                prop_assert_eq!(&before, &after, "step {} ({:?}) failed but changed the state", n, op);
            }
            before = after;
            check_invariants(&model, &before);
        }
    }
}
