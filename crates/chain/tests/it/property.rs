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

use crate::scenario::{CHAIN_ID, confide};
use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::deploy::Protocol;
use confide_chain::evm::Snapshot;
use confide_chain::scenario::contribution_status::CONTRIBUTED;
use confide_chain::scenario::task_status::{ACTIVE, REVEALING};
use confide_chain::scenario::{
    Actors, Assets, Call, KITTY, OrderDraft, OrderOperation, Orders, RLC, Session, Terms,
};
use confide_chain::{Evm, EvmConfig};
use confide_protocol::OrderKind;
use confide_protocol::ids::deal_id;
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::sync::OnceLock;

/// Half an RLC: the unit of random amounts.
const UNIT: u64 = RLC / 2;

/// Confide deployed, assets created, every actor holding 10 000 RLC and every worker 20 RLC
/// deposited.
struct Fixture {
    snapshot: Snapshot,
    protocol: Protocol,
    plain: Assets,
    tee: Assets,
}

fn fixture() -> &'static Fixture {
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

/// What makes a match attempt invalid (at most one flaw per attempt).
#[derive(Debug, Clone, Copy)]
enum Flaw {
    /// The request's maximum app, dataset or workerpool price is one unit too low.
    MaxPrice(usize),
    /// The app, dataset or workerpool order restricts to another account.
    Restriction(usize),
    /// The request order is signed by someone else.
    Signature,
    /// The category does not exist.
    Category,
    /// The request asks for more trust than the workerpool offers.
    Trust,
}

fn flaw() -> impl Strategy<Value = Option<Flaw>> {
    prop_oneof![
        12 => Just(None),
        1 => (0usize..3).prop_map(|i| Some(Flaw::MaxPrice(i))),
        1 => (0usize..3).prop_map(|i| Some(Flaw::Restriction(i))),
        1 => Just(Some(Flaw::Signature)),
        1 => Just(Some(Flaw::Category)),
        1 => Just(Some(Flaw::Trust)),
    ]
}

/// A match attempt.
#[derive(Debug, Clone)]
struct MatchSpec {
    tee: bool,
    dataset: bool,
    /// App, dataset, workerpool prices in units.
    prices: [u8; 3],
    /// The request's maximum prices exceed the prices by this many units.
    max_extra: [u8; 3],
    /// App, dataset, workerpool, request volumes.
    volumes: [u8; 4],
    trust: u8,
    category: u8,
    /// Restrictions to the right account (app → requester, workerpool → app, dataset →
    /// workerpool).
    restricted: [bool; 3],
    sponsored: bool,
    /// Deposits what the payer and the scheduler need first.
    prefund: bool,
    flaw: Option<Flaw>,
    salt: u64,
}

fn match_spec() -> impl Strategy<Value = MatchSpec> {
    (
        (
            any::<bool>(),
            prop::bool::weighted(0.7),
            [0u8..=4, 0u8..=4, 0u8..=10],
        ),
        (
            [0u8..=2, 0u8..=2, 0u8..=2],
            [1u8..=5, 1u8..=5, 1u8..=5, 1u8..=5],
        ),
        (
            prop_oneof![3 => Just(0u8), 1 => Just(1u8), 2 => Just(3u8), 1 => Just(5u8)],
            0u8..=1,
            [
                prop::bool::weighted(0.2),
                prop::bool::weighted(0.2),
                prop::bool::weighted(0.2),
            ],
        ),
        (
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.7),
            flaw(),
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                (tee, dataset, prices),
                (max_extra, volumes),
                (trust, category, restricted),
                (sponsored, prefund, flaw, salt),
            )| MatchSpec {
                tee,
                dataset,
                prices,
                max_extra,
                volumes,
                trust,
                category,
                restricted,
                sponsored,
                prefund,
                flaw,
                salt,
            },
        )
}

/// One step. Indexes pick among the actors, deals, tasks and order sets known at that time.
#[derive(Debug, Clone)]
enum Op {
    Deposit {
        who: u8,
        units: u8,
    },
    Withdraw {
        who: u8,
        units: u8,
    },
    Transfer {
        from: u8,
        to: u8,
        units: u8,
    },
    Match(Box<MatchSpec>),
    Rematch {
        set: u8,
    },
    Cancel {
        set: u8,
        kind: u8,
    },
    Initialize {
        deal: u8,
        index: u8,
    },
    ContributeAndFinalize {
        task: u8,
        worker: u8,
    },
    Contribute {
        task: u8,
        worker: u8,
        dishonest: bool,
    },
    Reveal {
        task: u8,
        worker: u8,
    },
    Finalize {
        task: u8,
    },
    Reopen {
        task: u8,
    },
    Claim {
        task: u8,
        who: u8,
    },
    Wait {
        seconds: u16,
    },
    PassReveal {
        task: u8,
    },
    PassFinal {
        task: u8,
    },
    /// The next natural step of a task's lifecycle (see [`advance`]).
    Advance {
        task: u8,
        choice: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let i = || any::<u8>();
    prop_oneof![
        2 => (i(), 0u8..=60).prop_map(|(who, units)| Op::Deposit { who, units }),
        1 => (i(), 0u8..=30).prop_map(|(who, units)| Op::Withdraw { who, units }),
        1 => (i(), i(), 0u8..=20).prop_map(|(from, to, units)| Op::Transfer { from, to, units }),
        4 => match_spec().prop_map(|spec| Op::Match(Box::new(spec))),
        1 => i().prop_map(|set| Op::Rematch { set }),
        1 => (i(), 0u8..4).prop_map(|(set, kind)| Op::Cancel { set, kind }),
        6 => (i(), 0u8..=5).prop_map(|(deal, index)| Op::Initialize { deal, index }),
        3 => (i(), i()).prop_map(|(task, worker)| Op::ContributeAndFinalize { task, worker }),
        6 => (i(), i(), prop::bool::weighted(0.2))
            .prop_map(|(task, worker, dishonest)| Op::Contribute { task, worker, dishonest }),
        4 => (i(), i()).prop_map(|(task, worker)| Op::Reveal { task, worker }),
        3 => i().prop_map(|task| Op::Finalize { task }),
        1 => i().prop_map(|task| Op::Reopen { task }),
        2 => (i(), i()).prop_map(|(task, who)| Op::Claim { task, who }),
        1 => (0u16..4000).prop_map(|seconds| Op::Wait { seconds }),
        2 => i().prop_map(|task| Op::PassReveal { task }),
        1 => i().prop_map(|task| Op::PassFinal { task }),
        16 => (i(), i()).prop_map(|(task, choice)| Op::Advance { task, choice }),
    ]
}

/// A deal the run created.
#[derive(Debug, Clone)]
struct Deal {
    id: B256,
    first: u64,
    size: u64,
    tee: bool,
    trust: u64,
}

/// An initialized task and who contributed what.
#[derive(Debug, Clone)]
struct Task {
    id: B256,
    tee: bool,
    trust: u64,
    contributions: Vec<(Address, B256)>,
}

/// What the run knows about.
#[derive(Default)]
struct Model {
    sets: Vec<(Orders, bool)>,
    deals: Vec<Deal>,
    tasks: Vec<Task>,
}

/// Everything a failed operation must leave as it was.
#[derive(Debug, PartialEq)]
struct State {
    accounts: Vec<(U256, U256)>,
    supply: U256,
    held: U256,
    consumed: Vec<U256>,
    tasks: Vec<Types::Task>,
    contributions: Vec<Types::Contribution>,
    scores: Vec<U256>,
}

fn accounts(s: &Session<'_>) -> Vec<Address> {
    let mut all: Vec<Address> = s
        .actors()
        .named()
        .iter()
        .map(|(_, signer)| signer.address())
        .collect();
    all.extend([KITTY, s.protocol().address]);
    all
}

fn pick<T>(items: &[T], index: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(index) % items.len()])
}

const KINDS: [OrderKind; 4] = [
    OrderKind::App,
    OrderKind::Dataset,
    OrderKind::Workerpool,
    OrderKind::Request,
];

fn state(s: &Session<'_>, model: &Model) -> State {
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

fn check_invariants(model: &Model, state: &State) {
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

/// Builds the orders of a match attempt.
fn orders(s: &Session<'_>, spec: &MatchSpec) -> Orders {
    let f = fixture();
    let a = s.actors();
    let mut assets = if spec.tee { f.tee } else { f.plain };
    if !spec.dataset {
        assets.dataset = None;
    }
    let unit = |n: u8| U256::from(u64::from(n) * UNIT);
    let terms = Terms {
        app_price: unit(spec.prices[0]),
        dataset_price: unit(spec.prices[1]),
        workerpool_price: unit(spec.prices[2]),
        trust: U256::from(spec.trust),
        category: U256::from(spec.category),
        salt: spec.salt,
        ..if spec.tee {
            Terms::tee()
        } else {
            Terms::default()
        }
    };
    let mut draft = OrderDraft::new(&assets, &terms, a.requester.address());
    let mut max = [
        draft.app.appprice,
        terms.dataset_price,
        draft.workerpool.workerpoolprice,
    ];
    for (i, max) in max.iter_mut().enumerate() {
        *max += unit(spec.max_extra[i]);
    }
    let mut restrictions = [
        spec.restricted[0].then_some(a.requester.address()),
        spec.restricted[1].then_some(assets.app),
        spec.restricted[2].then_some(assets.workerpool),
    ];
    let wrong = a.sponsor.address();
    match spec.flaw {
        Some(Flaw::MaxPrice(i)) => {
            let price = [
                draft.app.appprice,
                terms.dataset_price,
                draft.workerpool.workerpoolprice,
            ];
            max[i] = price[i].saturating_sub(unit(1));
        }
        Some(Flaw::Restriction(i)) => restrictions[i] = Some(wrong),
        Some(Flaw::Category) => {
            draft.request.category = U256::from(7);
            draft.workerpool.category = U256::from(7);
        }
        Some(Flaw::Trust) => draft.request.trust = U256::from(spec.trust) + U256::from(1),
        Some(Flaw::Signature) | None => {}
    }
    draft.request.appmaxprice = max[0];
    if draft.dataset.is_some() {
        draft.request.datasetmaxprice = max[1];
    }
    draft.request.workerpoolmaxprice = max[2];
    let [app, dataset, workerpool, request] = spec.volumes.map(U256::from);
    draft.app.volume = app;
    draft.workerpool.volume = workerpool;
    draft.request.volume = request;
    draft.app.requesterrestrict = restrictions[0].unwrap_or_default();
    draft.workerpool.apprestrict = restrictions[1].unwrap_or_default();
    if let Some(order) = &mut draft.dataset {
        order.volume = dataset;
        order.workerpoolrestrict = restrictions[2].unwrap_or_default();
    }
    let mut orders = s.sign_orders(draft).unwrap();
    if matches!(spec.flaw, Some(Flaw::Signature)) {
        let resigned = s
            .sign_orders(OrderDraft::new(&assets, &terms, wrong))
            .unwrap();
        orders.request.sign = resigned.request.sign;
    }
    orders
}

/// Deposits what a match of `orders` costs its payer and the scheduler.
fn prefund(s: &mut Session<'_>, orders: &Orders, sponsored: bool) {
    let volume = orders.request.order.volume;
    let price = orders.app.order.appprice
        + orders.dataset.order.datasetprice
        + orders.workerpool.order.workerpoolprice;
    let a = s.actors().clone();
    let payer = if sponsored { &a.sponsor } else { &a.requester };
    s.deposit(payer.address(), price * volume)
        .unwrap()
        .ok()
        .unwrap();
    let stake = confide_protocol::consensus::workerpool_stake(
        orders.workerpool.order.workerpoolprice,
        volume,
    );
    s.deposit(a.scheduler.address(), stake)
        .unwrap()
        .ok()
        .unwrap();
}

/// Sends a match of `orders` (sponsored or not); records the deal on success.
fn do_match(s: &mut Session<'_>, model: &mut Model, set: usize) -> bool {
    let (orders, sponsored) = model.sets[set].clone();
    let request_hash = orders.request.hash(s.domain());
    let before = s.consumed(&orders, OrderKind::Request).unwrap();
    let call = if sponsored {
        let sponsor = s.actors().sponsor.address();
        s.sponsor_match_orders(&orders, sponsor).unwrap()
    } else {
        s.match_orders(&orders).unwrap()
    };
    match call.returned {
        Some(id) => {
            assert_eq!(id, deal_id(request_hash, before));
            let viewed = s.deal(id).unwrap();
            model.deals.push(Deal {
                id,
                first: viewed.botFirst.to(),
                size: viewed.botSize.to(),
                tee: viewed.tag.0[31] & 1 == 1,
                trust: viewed.trust.to(),
            });
            true
        }
        None => {
            let would_be = deal_id(request_hash, before);
            assert_eq!(s.deal(would_be).unwrap().requester, Address::ZERO);
            false
        }
    }
}

/// The index of a task for selector `sel`: three times out of four one for which the
/// operation should succeed (`suits`, given the model's task, its record and the time of
/// the next block), when there is one; else any.
fn choose(
    s: &Session<'_>,
    model: &Model,
    sel: u8,
    suits: impl Fn(&Task, &Types::Task, U256) -> bool,
) -> Option<usize> {
    if model.tasks.is_empty() {
        return None;
    }
    let now = U256::from(s.evm().timestamp());
    let suitable: Vec<usize> = (0..model.tasks.len())
        .filter(|&i| suits(&model.tasks[i], &s.task(model.tasks[i].id).unwrap(), now))
        .collect();
    if !sel.is_multiple_of(4) && !suitable.is_empty() {
        return Some(suitable[usize::from(sel / 4) % suitable.len()]);
    }
    Some(usize::from(sel) % model.tasks.len())
}

/// Accepting contributions.
fn open(view: &Types::Task, now: U256) -> bool {
    view.status == ACTIVE && view.contributionDeadline > now
}

/// The next natural step of a deal's tasks: initialize one; for a task not completed nor
/// failed: contribute (a fresh worker,
/// dishonest one time in five) or contribute-and-finalize while contributions are open, reveal
/// (an honest contributor, unless the reveal deadline is let pass one time in five), finalize
/// once revealed, reopen when nobody revealed in time, claim after the final deadline —
/// moving the clock when that is what the step needs.
fn advance(s: &mut Session<'_>, model: &mut Model, task: u8, choice: u8) -> Option<bool> {
    // Initialize a task first one time in three, or when none is under way.
    let under_way = model.tasks.iter().any(|t| {
        let status = s.task(t.id).unwrap().status;
        status == ACTIVE || status == REVEALING
    });
    if !under_way || choice.is_multiple_of(3) {
        let fresh = model.deals.iter().find_map(|deal| {
            (deal.first..deal.first + deal.size)
                .find(|&i| {
                    let id = confide_protocol::ids::task_id(deal.id, U256::from(i));
                    !model.tasks.iter().any(|t| t.id == id)
                })
                .map(|i| (deal.clone(), i))
        });
        if let Some((deal, index)) = fresh {
            let call = s.initialize(deal.id, index).unwrap();
            if let Some(id) = call.returned {
                model.tasks.push(Task {
                    id,
                    tee: deal.tee,
                    trust: deal.trust,
                    contributions: Vec::new(),
                });
            }
            return Some(call.succeeded());
        }
    }
    // An odd selector always picks a suitable task when there is one.
    let index = choose(s, model, task | 1, |_, view, _| {
        view.status == ACTIVE || view.status == REVEALING
    })?;
    let t = model.tasks[index].clone();
    let view = s.task(t.id).unwrap();
    let now = U256::from(s.evm().timestamp());
    if view.finalDeadline <= now {
        let claimer = s.actors().requester.address();
        return Some(s.claim(t.id, claimer).unwrap().succeeded());
    }
    let workers: Vec<Address> = s.actors().workers.iter().map(|w| w.address()).collect();
    if view.status == ACTIVE {
        if view.contributionDeadline <= now {
            s.pass_final_deadline(t.id).unwrap();
            return None;
        }
        if t.trust == 1 && view.contributors.is_empty() && choice.is_multiple_of(2) {
            let worker = *pick(&workers, choice).unwrap();
            let digest = s.result_digest(t.id, 0);
            let call = s
                .contribute_and_finalize(t.id, worker, digest, Bytes::new(), t.tee)
                .unwrap();
            return Some(call.succeeded());
        }
        let Some(&worker) = workers.iter().find(|w| !view.contributors.contains(w)) else {
            s.pass_final_deadline(t.id).unwrap();
            return None;
        };
        let digest = s.result_digest(t.id, u8::from(choice.is_multiple_of(5)));
        let call = s.contribute(t.id, worker, digest, t.tee).unwrap();
        if call.succeeded() {
            model.tasks[index].contributions.push((worker, digest));
        }
        return Some(call.succeeded());
    }
    // Revealing.
    let pending: Vec<(Address, B256)> = t
        .contributions
        .iter()
        .copied()
        .filter(|&(worker, digest)| {
            let contribution = s
                .view(&IConfide::viewContributionCall {
                    _taskid: t.id,
                    _worker: worker,
                })
                .unwrap();
            contribution.status == CONTRIBUTED
                && contribution.resultHash == view.consensusValue
                && digest != B256::ZERO
        })
        .collect();
    let revealing = view.revealDeadline > now;
    if revealing
        && !pending.is_empty()
        && (!choice.is_multiple_of(5) || view.revealCounter > U256::ZERO)
    {
        let (worker, digest) = pending[usize::from(choice) % pending.len()];
        return Some(s.reveal(t.id, worker, digest).unwrap().succeeded());
    }
    if view.revealCounter == view.winnerCounter || (view.revealCounter > U256::ZERO && !revealing) {
        return Some(s.finalize(t.id, Bytes::new()).unwrap().succeeded());
    }
    if revealing {
        s.pass_reveal_deadline(t.id).unwrap();
        return None;
    }
    Some(s.reopen(t.id).unwrap().succeeded())
}

fn ok<T>(call: Call<T>) -> Option<bool> {
    Some(call.succeeded())
}

/// Runs one step; returns whether its operation succeeded (`None`: nothing to do, or only
/// the clock moved).
fn step(s: &mut Session<'_>, model: &mut Model, op: &Op) -> Option<bool> {
    let a = s.actors();
    let people = accounts(s)[..accounts(s).len() - 2].to_vec();
    // Deposits, withdrawals and transfers are mostly by those who pay, stake or contribute.
    let payers: Vec<Address> = [&a.requester, &a.requester, &a.sponsor, &a.scheduler]
        .into_iter()
        .chain(&a.workers)
        .map(|signer| signer.address())
        .collect();
    let workers: Vec<Address> = s.actors().workers.iter().map(|w| w.address()).collect();
    let units = |n: u8| U256::from(u64::from(n) * UNIT);
    match *op {
        Op::Deposit { who, units: n } => {
            let who = *pick(&payers, who).unwrap();
            ok(s.deposit(who, units(n)).unwrap())
        }
        Op::Withdraw { who, units: n } => {
            let who = *pick(&payers, who).unwrap();
            ok(s.withdraw(who, units(n)).unwrap())
        }
        Op::Transfer { from, to, units: n } => {
            let (from, to) = (*pick(&payers, from).unwrap(), *pick(&people, to).unwrap());
            ok(s.transfer(from, to, units(n)).unwrap())
        }
        Op::Match(_) => Some(do_match(s, model, model.sets.len() - 1)),
        Op::Rematch { set } => {
            if model.sets.is_empty() {
                return None;
            }
            let set = usize::from(set) % model.sets.len();
            Some(do_match(s, model, set))
        }
        Op::Cancel { set, kind } => {
            let (orders, _) = pick(&model.sets, set).cloned()?;
            let kind = KINDS[usize::from(kind)];
            ok(s.manage_order(&orders, kind, OrderOperation::Close)
                .unwrap())
        }
        Op::Initialize { deal, index } => {
            let deal = pick(&model.deals, deal).cloned()?;
            // Mostly the first task not initialized yet; else any index, or one past the end.
            let fresh = (deal.first..deal.first + deal.size).find(|&i| {
                let id = confide_protocol::ids::task_id(deal.id, U256::from(i));
                !model.tasks.iter().any(|t| t.id == id)
            });
            let index = match fresh {
                Some(fresh) if !index.is_multiple_of(4) => fresh,
                _ => deal.first + u64::from(index) % (deal.size + 1),
            };
            let call = s.initialize(deal.id, index).unwrap();
            if let Some(id) = call.returned {
                model.tasks.push(Task {
                    id,
                    tee: deal.tee,
                    trust: deal.trust,
                    contributions: Vec::new(),
                });
            }
            Some(call.succeeded())
        }
        Op::ContributeAndFinalize { task, worker } => {
            let index = choose(s, model, task, |t, view, now| {
                t.trust == 1 && view.contributors.is_empty() && open(view, now)
            })?;
            let t = model.tasks[index].clone();
            let worker = *pick(&workers, worker).unwrap();
            let digest = s.result_digest(t.id, 0);
            ok(
                s.contribute_and_finalize(t.id, worker, digest, Bytes::new(), t.tee)
                    .unwrap(),
            )
        }
        Op::Contribute {
            task,
            worker,
            dishonest,
        } => {
            let index = choose(s, model, task, |_, view, now| open(view, now))?;
            let t = model.tasks[index].clone();
            // Mostly a worker who has not contributed yet.
            let fresh: Vec<Address> = workers
                .iter()
                .copied()
                .filter(|w| !t.contributions.iter().any(|(c, _)| c == w))
                .collect();
            let worker = match pick(&fresh, worker) {
                Some(fresh) if !worker.is_multiple_of(4) => *fresh,
                _ => *pick(&workers, worker).unwrap(),
            };
            let digest = s.result_digest(t.id, u8::from(dishonest));
            let call = s.contribute(t.id, worker, digest, t.tee).unwrap();
            if call.succeeded() {
                model.tasks[index].contributions.push((worker, digest));
            }
            Some(call.succeeded())
        }
        Op::Reveal { task, worker } => {
            let index = choose(s, model, task, |_, view, now| {
                view.status == REVEALING && view.revealDeadline > now
            })?;
            let t = model.tasks[index].clone();
            // Mostly an honest contributor (who may have revealed already).
            let honest: Vec<(Address, B256)> = t
                .contributions
                .iter()
                .copied()
                .filter(|(_, digest)| *digest == s.result_digest(t.id, 0))
                .collect();
            let (worker, digest) = match (pick(&honest, worker), pick(&t.contributions, worker)) {
                (Some(c), _) if !worker.is_multiple_of(4) => *c,
                (_, Some(c)) => *c,
                _ => (*pick(&workers, worker).unwrap(), s.result_digest(t.id, 0)),
            };
            ok(s.reveal(t.id, worker, digest).unwrap())
        }
        Op::Finalize { task } => {
            let index = choose(s, model, task, |_, view, now| {
                view.status == REVEALING
                    && view.finalDeadline > now
                    && (view.revealCounter == view.winnerCounter
                        || (view.revealCounter > U256::ZERO && view.revealDeadline <= now))
            })?;
            let t = model.tasks[index].clone();
            ok(s.finalize(t.id, Bytes::new()).unwrap())
        }
        Op::Reopen { task } => {
            let index = choose(s, model, task, |_, view, now| {
                view.status == REVEALING
                    && view.revealCounter == U256::ZERO
                    && view.revealDeadline <= now
                    && view.finalDeadline > now
            })?;
            let t = model.tasks[index].clone();
            ok(s.reopen(t.id).unwrap())
        }
        Op::Claim { task, who } => {
            let index = choose(s, model, task, |_, view, now| {
                (view.status == ACTIVE || view.status == REVEALING) && view.finalDeadline <= now
            })?;
            let t = model.tasks[index].clone();
            let who = *pick(&people, who).unwrap();
            ok(s.claim(t.id, who).unwrap())
        }
        Op::Advance { task, choice } => advance(s, model, task, choice),
        Op::Wait { seconds } => {
            s.evm_mut().increase_time(u64::from(seconds));
            None
        }
        Op::PassReveal { task } => {
            if let Some(i) = choose(s, model, task, |_, view, _| view.status == REVEALING) {
                s.pass_reveal_deadline(model.tasks[i].id).unwrap();
            }
            None
        }
        Op::PassFinal { task } => {
            if let Some(i) = choose(s, model, task, |_, view, _| {
                view.status == ACTIVE || view.status == REVEALING
            }) {
                s.pass_final_deadline(model.tasks[i].id).unwrap();
            }
            None
        }
    }
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
