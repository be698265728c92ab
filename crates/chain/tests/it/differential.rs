//! The library's flows and a tour of failures, reopens and claims on both implementations,
//! compared call by call (success and normalized events), and the flows' gas reports.

use crate::compare::assert_same_calls;
use crate::scenario::{CHAIN_ID, confide, reference};
use alloy_primitives::{Address, Bytes, U256};
use confide_chain::deploy::{Protocol, deploy_confide};
use confide_chain::scenario::{self, Actors, Assets, GasEntry, RLC, Session, Terms, task_status};
use confide_chain::{Evm, EvmConfig};
use confide_protocol::OrderKind;
use std::path::Path;

/// Runs `flow` in a session on each implementation; returns both recorders' entries.
fn on_both(package: &Path, flow: impl Fn(&mut Session<'_>)) -> (Vec<GasEntry>, Vec<GasEntry>) {
    let run = |(mut evm, protocol): (Evm, Protocol)| {
        let mut session = Session::new(&mut evm, &protocol, Actors::default()).unwrap();
        flow(&mut session);
        session.recorder().entries().to_vec()
    };
    (run(confide()), run(reference(package)))
}

#[test]
fn the_flows_emit_the_reference_events() {
    let Some(package) = crate::support::reference_package("the_flows_emit_the_reference_events")
    else {
        return;
    };
    let (ours, theirs) = on_both(&package, |s| {
        scenario::flows::tee_task_in(s).unwrap();
    });
    assert_same_calls(&ours, &theirs);
    for trust in [3, 5] {
        let (ours, theirs) = on_both(&package, |s| {
            scenario::flows::replicated_task_in(s, trust).unwrap();
        });
        assert_same_calls(&ours, &theirs);
    }
    let (ours, theirs) = on_both(&package, |s| {
        scenario::flows::bulk_deal_in(s, 12).unwrap();
    });
    assert_same_calls(&ours, &theirs);
}

/// Reopen after an unrevealed consensus, a dishonest worker, a sponsored deal, claims after
/// the final deadline, a TEE broker and order cancels: same events on both implementations.
#[test]
fn failures_reopen_and_claims_emit_the_reference_events() {
    let Some(package) =
        crate::support::reference_package("failures_reopen_and_claims_emit_the_reference_events")
    else {
        return;
    };
    let (ours, theirs) = on_both(&package, |s| {
        let app = s.create_app("app", false).unwrap();
        let workerpool = s.create_workerpool("pool").unwrap();
        let assets = Assets {
            app,
            dataset: None,
            workerpool,
        };
        let a = s.actors().clone();
        for who in [
            a.requester.address(),
            a.scheduler.address(),
            a.sponsor.address(),
        ]
        .into_iter()
        .chain(a.workers.iter().map(|w| w.address()))
        {
            s.fund_and_deposit(who, U256::from(100 * RLC)).unwrap();
        }
        // Trust 3: one wrong contribution (weight 2) then three honest ones reach consensus.
        let terms = Terms {
            trust: U256::from(3),
            volume: U256::from(3),
            ..Terms::default()
        };
        let orders = s.orders(&assets, &terms).unwrap();
        let deal = s
            .sponsor_match_orders(&orders, a.sponsor.address())
            .unwrap()
            .value()
            .unwrap();
        let t0 = s.initialize(deal, 0).unwrap().value().unwrap();
        let t1 = s.initialize(deal, 1).unwrap().value().unwrap();
        // Task 0: a dishonest worker, then three honest ones reach consensus; nobody reveals
        // in time: reopen; then claimed after the final deadline.
        let (honest, wrong) = (s.result_digest(t0, 0), s.result_digest(t0, 1));
        s.contribute(t0, a.worker(0).address(), wrong, false)
            .unwrap()
            .ok()
            .unwrap();
        for w in 1..4 {
            s.contribute(t0, a.worker(w).address(), honest, false)
                .unwrap()
                .ok()
                .unwrap();
        }
        assert_eq!(s.task(t0).unwrap().status, task_status::REVEALING);
        // Too early to reopen.
        assert!(!s.reopen(t0).unwrap().succeeded());
        s.pass_reveal_deadline(t0).unwrap();
        s.reopen(t0).unwrap().ok().unwrap();
        assert_eq!(s.task(t0).unwrap().status, task_status::ACTIVE);
        // Task 1: consensus, one reveal, finalized after the reveal deadline (the dishonest
        // worker's stake is seized and redistributed).
        let (honest, wrong) = (s.result_digest(t1, 0), s.result_digest(t1, 1));
        s.contribute(t1, a.worker(0).address(), wrong, false)
            .unwrap()
            .ok()
            .unwrap();
        for w in 1..4 {
            s.contribute(t1, a.worker(w).address(), honest, false)
                .unwrap()
                .ok()
                .unwrap();
        }
        assert!(
            !s.reveal(t1, a.worker(0).address(), wrong)
                .unwrap()
                .succeeded()
        );
        s.reveal(t1, a.worker(1).address(), honest)
            .unwrap()
            .ok()
            .unwrap();
        assert!(!s.finalize(t1, Bytes::new()).unwrap().succeeded());
        s.pass_reveal_deadline(t1).unwrap();
        s.finalize(t1, Bytes::new()).unwrap().ok().unwrap();
        // The final deadline: task 0 and (initialized late) task 2 are claimed.
        assert!(!s.claim(t0, a.requester.address()).unwrap().succeeded());
        s.pass_final_deadline(t0).unwrap();
        s.claim(t0, a.requester.address()).unwrap().ok().unwrap();
        let t2 = s.initialize(deal, 2).unwrap().value().unwrap();
        s.claim(t2, a.worker(3).address()).unwrap().ok().unwrap();
        assert!(!s.claim(t2, a.worker(3).address()).unwrap().succeeded());

        // A TEE deal through the broker, after the scheduler's order was cancelled once.
        let tee_app = s.create_app("tee-app", true).unwrap();
        let tee_assets = Assets {
            app: tee_app,
            ..assets
        };
        let tee_terms = Terms {
            salt: 1,
            ..Terms::tee()
        };
        let tee_orders = s.orders(&tee_assets, &tee_terms).unwrap();
        s.manage_order(
            &tee_orders,
            OrderKind::Workerpool,
            scenario::OrderOperation::Close,
        )
        .unwrap()
        .ok()
        .unwrap();
        assert!(!s.match_orders(&tee_orders).unwrap().succeeded());
        let tee_orders = s
            .orders(
                &tee_assets,
                &Terms {
                    salt: 2,
                    ..tee_terms
                },
            )
            .unwrap();
        let deal = s.match_orders(&tee_orders).unwrap().value().unwrap();
        let task = s.initialize(deal, 0).unwrap().value().unwrap();
        s.set_tee_broker(true).unwrap().ok().unwrap();
        s.contribute_and_finalize(
            task,
            a.worker(2).address(),
            s.result_digest(task, 0),
            Bytes::new(),
            true,
        )
        .unwrap()
        .ok()
        .unwrap();
        // Withdrawals and transfers, possible or not.
        s.withdraw(a.worker(2).address(), U256::from(RLC))
            .unwrap()
            .ok()
            .unwrap();
        assert!(
            !s.withdraw(a.worker(2).address(), U256::from(1000 * RLC))
                .unwrap()
                .succeeded()
        );
        s.transfer(
            a.requester.address(),
            a.worker(1).address(),
            U256::from(RLC),
        )
        .unwrap()
        .ok()
        .unwrap();
    });
    assert_same_calls(&ours, &theirs);
}

#[test]
fn the_flows_run_and_report_their_gas() {
    let (mut evm, protocol) = confide();
    let report = scenario::tee_task(&mut evm, &protocol).unwrap();
    assert_eq!(report.tasks, 1);
    let task_calls: Vec<&str> = report
        .calls
        .iter()
        .filter(|c| c.task)
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(
        task_calls,
        ["matchOrders", "initialize", "contributeAndFinalize"]
    );
    assert_eq!(report.per_task(), report.total());

    let (mut evm, protocol) = confide();
    let report = scenario::replicated_task(&mut evm, &protocol, 5).unwrap();
    assert_eq!(report.name, "replicated task (trust 5, 3 workers)");

    let (mut evm, protocol) = confide();
    let report = scenario::bulk_deal(&mut evm, &protocol, 100).unwrap();
    assert_eq!(report.tasks, 100);
    assert_eq!(report.call("contributeAndFinalize").unwrap().count, 100);
    assert!(report.call("initializeArray").unwrap().count >= 1);
    assert_eq!(report.per_task(), report.total() / 100);

    // A protocol owned by someone else cannot be driven.
    let mut evm = Evm::new(EvmConfig::with_chain_id(CHAIN_ID));
    let protocol = deploy_confide(&mut evm, Address::repeat_byte(1)).unwrap();
    let err = scenario::tee_task(&mut evm, &protocol).unwrap_err();
    assert!(
        matches!(err, scenario::ScenarioError::Owner { .. }),
        "{err}"
    );
}
