//! What a run knows (order sets, deals, tasks), the protocol state a failed operation must
//! leave unchanged, and the invariants.

use alloy_primitives::{Address, B256, U256};
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::scenario::{KITTY, Orders, RLC, Session};
use confide_protocol::OrderKind;

/// Half an RLC: the unit of random amounts.
pub(super) const UNIT: u64 = RLC / 2;

/// A deal the run created.
#[derive(Debug, Clone)]
pub(super) struct Deal {
    pub(super) id: B256,
    pub(super) first: u64,
    pub(super) size: u64,
    pub(super) tee: bool,
    pub(super) trust: u64,
}

/// An initialized task and who contributed what.
#[derive(Debug, Clone)]
pub(super) struct Task {
    pub(super) id: B256,
    pub(super) tee: bool,
    pub(super) trust: u64,
    pub(super) contributions: Vec<(Address, B256)>,
}

/// What the run knows about.
#[derive(Default)]
pub(super) struct Model {
    pub(super) sets: Vec<(Orders, bool)>,
    pub(super) deals: Vec<Deal>,
    pub(super) tasks: Vec<Task>,
}

/// Everything a failed operation must leave as it was.
#[derive(Debug, PartialEq)]
pub(super) struct State {
    pub(super) accounts: Vec<(U256, U256)>,
    pub(super) supply: U256,
    pub(super) held: U256,
    pub(super) consumed: Vec<U256>,
    pub(super) tasks: Vec<Types::Task>,
    pub(super) contributions: Vec<Types::Contribution>,
    pub(super) scores: Vec<U256>,
}

pub(super) fn accounts(s: &Session<'_>) -> Vec<Address> {
    let mut all: Vec<Address> = s
        .actors()
        .named()
        .iter()
        .map(|(_, signer)| signer.address())
        .collect();
    all.extend([KITTY, s.protocol().address]);
    all
}

pub(super) fn pick<T>(items: &[T], index: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(index) % items.len()])
}

pub(super) const KINDS: [OrderKind; 4] = [
    OrderKind::App,
    OrderKind::Dataset,
    OrderKind::Workerpool,
    OrderKind::Request,
];

pub(super) fn state(s: &Session<'_>, model: &Model) -> State {
    let accounts = accounts(s)
        .into_iter()
        .map(|a| {
            let account = s.account(a).unwrap();
            (account.balance, account.locked)
        })
        .collect();
    let mut consumed = Vec::new();
    for (orders, _) in &model.sets {
        for kind in KINDS {
            consumed.push(s.consumed(orders, kind).unwrap());
        }
    }
    let mut tasks = Vec::new();
    let mut contributions = Vec::new();
    for deal in &model.deals {
        for index in deal.first..deal.first + deal.size {
            let id = confide_protocol::ids::task_id(deal.id, U256::from(index));
            let task = s.task(id).unwrap();
            for worker in &task.contributors {
                contributions.push(
                    s.view(&IConfide::viewContributionCall {
                        _taskid: id,
                        _worker: *worker,
                    })
                    .unwrap(),
                );
            }
            tasks.push(task);
        }
    }
    let scores = s
        .actors()
        .workers
        .iter()
        .map(|w| {
            s.view(&IConfide::viewScoreCall {
                _worker: w.address(),
            })
            .unwrap()
        })
        .collect();
    State {
        accounts,
        supply: s.total_supply().unwrap(),
        held: s.rlc_held().unwrap(),
        consumed,
        tasks,
        contributions,
        scores,
    }
}

pub(super) fn check_invariants(model: &Model, state: &State) {
    let protocol_index = state.accounts.len() - 1;
    let balances: U256 = state.accounts.iter().map(|(b, _)| *b).sum();
    let locked: U256 = state.accounts.iter().map(|(_, l)| *l).sum();
    let (protocol_balance, protocol_locked) = state.accounts[protocol_index];
    assert_eq!(balances, state.supply, "Σ balances == totalSupply");
    assert_eq!(state.supply, state.held, "totalSupply == RLC held");
    assert_eq!(
        protocol_locked,
        U256::ZERO,
        "the protocol locks nothing itself"
    );
    assert_eq!(protocol_balance, locked, "protocol balance == Σ locked");
    let others: U256 = state.accounts[..protocol_index]
        .iter()
        .map(|(b, l)| *b + *l)
        .sum();
    assert_eq!(others, state.supply, "Σ (balance + locked) == totalSupply");
    for (set, (orders, _)) in model.sets.iter().enumerate() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            if kind == OrderKind::Dataset && !orders.has_dataset() {
                continue;
            }
            let consumed = state.consumed[set * 4 + k];
            assert!(
                consumed <= orders.volume(kind),
                "order {kind} of set {set} consumed {consumed} > volume {}",
                orders.volume(kind)
            );
        }
    }
}
