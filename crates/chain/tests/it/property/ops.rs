//! The random operations: match attempts (with at most one flaw) and steps.

use super::fixture;
use super::model::UNIT;
use alloy_primitives::U256;
use confide_chain::scenario::{OrderDraft, Orders, Session, Terms};
use proptest::prelude::*;

/// What makes a match attempt invalid (at most one flaw per attempt).
#[derive(Debug, Clone, Copy)]
pub(super) enum Flaw {
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

pub(super) fn flaw() -> impl Strategy<Value = Option<Flaw>> {
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
pub(super) struct MatchSpec {
    pub(super) tee: bool,
    pub(super) dataset: bool,
    /// App, dataset, workerpool prices in units.
    pub(super) prices: [u8; 3],
    /// The request's maximum prices exceed the prices by this many units.
    pub(super) max_extra: [u8; 3],
    /// App, dataset, workerpool, request volumes.
    pub(super) volumes: [u8; 4],
    pub(super) trust: u8,
    pub(super) category: u8,
    /// Restrictions to the right account (app → requester, workerpool → app, dataset →
    /// workerpool).
    pub(super) restricted: [bool; 3],
    pub(super) sponsored: bool,
    /// Deposits what the payer and the scheduler need first.
    pub(super) prefund: bool,
    pub(super) flaw: Option<Flaw>,
    pub(super) salt: u64,
}

pub(super) fn match_spec() -> impl Strategy<Value = MatchSpec> {
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
pub(super) enum Op {
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

pub(super) fn op() -> impl Strategy<Value = Op> {
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

/// Builds the orders of a match attempt.
pub(super) fn orders(s: &Session<'_>, spec: &MatchSpec) -> Orders {
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
