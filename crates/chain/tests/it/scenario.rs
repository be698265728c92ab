//! One scenario for both implementations, through `confide_chain::scenario`: views after
//! deployment and a TEE task from asset creation to `contributeAndFinalize` checked step by
//! step (ids, hashes, views, events, balances).

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::{IConfide, IERC20};
use confide_chain::deploy::{
    CATEGORY_DESCRIPTION, Protocol, deploy_confide, deploy_reference_poco,
};
use confide_chain::scenario::{
    Actors, Assets, RLC, Session, Terms, contribution_status, task_status,
};
use confide_chain::{Evm, EvmConfig};
use confide_protocol::consensus::{DEFAULT_CATEGORIES, task_deadlines};
use confide_protocol::ids::{deal_id, task_id};
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::tag::TagBit;
use confide_protocol::{OrderKind, Tag};
use std::path::Path;

/// The chain id of the scenarios (not the EVM's default, to check it reaches the domain).
pub(crate) const CHAIN_ID: u64 = 421_614;

/// A fresh EVM with Confide deployed by the scenario owner.
pub(crate) fn confide() -> (Evm, Protocol) {
    let mut evm = Evm::new(EvmConfig::with_chain_id(CHAIN_ID));
    let protocol = deploy_confide(&mut evm, Actors::default().owner.address()).unwrap();
    (evm, protocol)
}

/// A fresh EVM with the reference PoCo deployed by the scenario owner.
pub(crate) fn reference(package: &Path) -> (Evm, Protocol) {
    let mut evm = Evm::new(EvmConfig::with_chain_id(CHAIN_ID));
    let owner = Actors::default().owner.address();
    let protocol = deploy_reference_poco(&mut evm, owner, package).unwrap();
    (evm, protocol)
}

/// Checks what a freshly deployed protocol answers.
pub(crate) fn check_views(evm: &mut Evm, protocol: &Protocol) {
    let p = protocol.address;
    let domain = evm.view(p, &IConfide::domainCall {}).unwrap();
    assert_eq!(
        (
            domain.name.as_str(),
            domain.version.as_str(),
            domain.chainId,
            domain.verifyingContract
        ),
        ("iExecODB", "5.0.0", U256::from(CHAIN_ID), p)
    );
    let separator = evm
        .view(p, &IConfide::eip712domain_separatorCall {})
        .unwrap();
    assert_eq!(separator, protocol.domain(CHAIN_ID).separator());

    assert_eq!(
        evm.view(p, &IConfide::countCategoryCall {}).unwrap(),
        U256::from(5)
    );
    for (index, expected) in DEFAULT_CATEGORIES.iter().enumerate() {
        let category = evm
            .view(
                p,
                &IConfide::viewCategoryCall {
                    _catid: U256::from(index),
                },
            )
            .unwrap();
        assert_eq!(category.name, expected.name);
        assert_eq!(category.description, CATEGORY_DESCRIPTION);
        assert_eq!(
            category.workClockTimeRef,
            U256::from(expected.work_clock_time_ref)
        );
    }

    assert_eq!(
        evm.view(p, &IConfide::tokenCall {}).unwrap(),
        protocol.token
    );
    assert_eq!(
        evm.view(p, &IConfide::ownerCall {}).unwrap(),
        protocol.owner
    );
    assert_eq!(
        evm.view(p, &IConfide::appregistryCall {}).unwrap(),
        protocol.app_registry
    );
    assert_eq!(
        evm.view(p, &IConfide::datasetregistryCall {}).unwrap(),
        protocol.dataset_registry
    );
    assert_eq!(
        evm.view(p, &IConfide::workerpoolregistryCall {}).unwrap(),
        protocol.workerpool_registry
    );
    assert_eq!(evm.view(p, &IConfide::nameCall {}).unwrap(), "Staked RLC");
    assert_eq!(evm.view(p, &IConfide::symbolCall {}).unwrap(), "SRLC");
    assert_eq!(evm.view(p, &IConfide::decimalsCall {}).unwrap(), 9);
    assert_eq!(
        evm.view(p, &IConfide::totalSupplyCall {}).unwrap(),
        U256::ZERO
    );
    let constants = [
        (
            evm.view(p, &IConfide::contribution_deadline_ratioCall {})
                .unwrap(),
            7,
        ),
        (
            evm.view(p, &IConfide::reveal_deadline_ratioCall {})
                .unwrap(),
            2,
        ),
        (
            evm.view(p, &IConfide::final_deadline_ratioCall {}).unwrap(),
            10,
        ),
        (
            evm.view(p, &IConfide::workerpool_stake_ratioCall {})
                .unwrap(),
            30,
        ),
        (evm.view(p, &IConfide::kitty_ratioCall {}).unwrap(), 10),
        (evm.view(p, &IConfide::kitty_minCall {}).unwrap(), RLC),
        (
            evm.view(p, &IConfide::groupmember_purposeCall {}).unwrap(),
            4,
        ),
    ];
    for (got, want) in constants {
        assert_eq!(got, U256::from(want));
    }
}

/// `(balance, locked)` of `who`, checked against `balanceOf` / `frozenOf`.
fn account(s: &Session<'_>, who: Address) -> (U256, U256) {
    let a = s.account(who).unwrap();
    let balance = s.view(&IConfide::balanceOfCall { account: who }).unwrap();
    let frozen = s.view(&IConfide::frozenOfCall { account: who }).unwrap();
    assert_eq!((balance, frozen), (a.balance, a.locked));
    (a.balance, a.locked)
}

/// A TEE task (TDX tag, trust 0, dataset) from asset creation to `contributeAndFinalize`,
/// checking ids, hashes, views, events and balances; prints the gas of every transaction.
pub(crate) fn checked_tee_task(evm: &mut Evm, protocol: &Protocol, implementation: &str) {
    let mut s = Session::new(evm, protocol, Actors::default()).unwrap();
    let a = s.actors().clone();
    let p = protocol.address;
    let domain = *s.domain();

    // Assets.
    let app = s.create_app("tee-app", true).unwrap();
    let dataset = s.create_dataset("dataset").unwrap();
    let workerpool = s.create_workerpool("pool").unwrap();
    let info = s.view(&IConfide::viewAppCall { app }).unwrap();
    assert_eq!(
        (info.owner, info.m_appType.as_str()),
        (a.app_developer.address(), "DOCKER")
    );
    let info = s.view(&IConfide::viewDatasetCall { dataset }).unwrap();
    assert_eq!(info.owner, a.data_owner.address());
    let info = s
        .view(&IConfide::viewWorkerpoolCall { workerpool })
        .unwrap();
    assert_eq!(
        (
            info.owner,
            info.m_workerStakeRatioPolicy,
            info.m_schedulerRewardRatioPolicy
        ),
        (a.scheduler.address(), U256::from(30), U256::from(1))
    );

    // Deposits: 10 RLC each for the requester and the scheduler.
    let deposit = U256::from(10 * RLC);
    for who in [a.requester.address(), a.scheduler.address()] {
        s.fund(who, deposit).unwrap();
        let call = s.deposit(who, deposit).unwrap().ok().unwrap();
        let minted = call.outcome.events::<IConfide::Transfer>();
        assert!(
            minted.iter().any(|t| t.address == p
                && t.from == Address::ZERO
                && t.to == who
                && t.value == deposit),
            "SRLC minted on deposit"
        );
        assert_eq!(account(&s, who), (deposit, U256::ZERO));
    }

    // Orders: TEE (TDX) task, trust 0, category XS.
    let assets = Assets {
        app,
        dataset: Some(dataset),
        workerpool,
    };
    let terms = Terms::tee();
    let tdx = Tag::from_bits(&[TagBit::Tee, TagBit::Tdx]).0;
    let (app_price, dataset_price, pool_price) =
        (terms.app_price, terms.dataset_price, terms.workerpool_price);
    let orders = s.orders(&assets, &terms).unwrap();

    // matchOrders.
    let match_time = s.evm().timestamp();
    let matched = s.match_orders(&orders).unwrap();
    let deal = matched.returned.unwrap();
    assert_eq!(deal, deal_id(orders.request.hash(&domain), U256::ZERO));
    let [orders_matched] = matched
        .outcome
        .events::<IConfide::OrdersMatched>()
        .try_into()
        .unwrap();
    let hashes = orders.hashes(&domain);
    assert_eq!(
        [
            orders_matched.appHash,
            orders_matched.datasetHash,
            orders_matched.workerpoolHash,
            orders_matched.requestHash
        ],
        hashes
    );
    assert_eq!(
        (orders_matched.dealid, orders_matched.volume),
        (deal, U256::from(1))
    );
    let [notice] = matched
        .outcome
        .events::<IConfide::SchedulerNotice>()
        .try_into()
        .unwrap();
    assert_eq!((notice.workerpool, notice.dealid), (workerpool, deal));
    for kind in [
        OrderKind::App,
        OrderKind::Dataset,
        OrderKind::Workerpool,
        OrderKind::Request,
    ] {
        assert_eq!(s.consumed(&orders, kind).unwrap(), U256::from(1));
    }
    let stake = pool_price * U256::from(30) / U256::from(100);
    let task_price = terms.task_price(true);
    assert_eq!(
        account(&s, a.requester.address()),
        (deposit - task_price, task_price)
    );
    assert_eq!(account(&s, a.scheduler.address()), (deposit - stake, stake));
    let viewed = s.deal(deal).unwrap();
    assert_eq!(
        (viewed.app.pointer, viewed.app.owner, viewed.app.price),
        (app, a.app_developer.address(), app_price)
    );
    assert_eq!(
        (
            viewed.dataset.pointer,
            viewed.dataset.owner,
            viewed.dataset.price
        ),
        (dataset, a.data_owner.address(), dataset_price)
    );
    assert_eq!(
        (
            viewed.workerpool.pointer,
            viewed.workerpool.owner,
            viewed.workerpool.price
        ),
        (workerpool, a.scheduler.address(), pool_price)
    );
    assert_eq!(
        (viewed.trust, viewed.category, viewed.tag),
        (U256::from(1), U256::ZERO, tdx)
    );
    let requester = a.requester.address();
    assert_eq!(
        (
            viewed.requester,
            viewed.beneficiary,
            viewed.callback,
            viewed.sponsor
        ),
        (requester, requester, Address::ZERO, requester)
    );
    assert_eq!(viewed.params, orders.request.order.params);
    assert_eq!(
        (viewed.botFirst, viewed.botSize),
        (U256::ZERO, U256::from(1))
    );
    assert_eq!(
        (viewed.workerStake, viewed.schedulerRewardRatio),
        (stake, U256::from(1))
    );
    let start: u64 = viewed.startTime.to();
    assert_eq!(start, match_time);

    // initialize.
    let initialized = s.initialize(deal, 0).unwrap();
    let task = initialized.returned.unwrap();
    assert_eq!(task, task_id(deal, U256::ZERO));
    let [init] = initialized
        .outcome
        .events::<IConfide::TaskInitialize>()
        .try_into()
        .unwrap();
    assert_eq!((init.taskid, init.workerpool), (task, workerpool));
    let viewed = s.task(task).unwrap();
    let deadlines = task_deadlines(start, DEFAULT_CATEGORIES[0].work_clock_time_ref);
    assert_eq!(viewed.status, task_status::ACTIVE);
    assert_eq!((viewed.dealid, viewed.idx), (deal, U256::ZERO));
    assert_eq!(
        viewed.contributionDeadline,
        U256::from(deadlines.contribution)
    );
    assert_eq!(viewed.finalDeadline, U256::from(deadlines.final_deadline));

    // contributeAndFinalize, authorized by the scheduler, signed by the enclave.
    let worker = a.worker(0).address();
    let challenge = a.enclave.address();
    let digest = s.result_digest(task, 0);
    let (hash, seal) = (result_hash(task, digest), result_seal(worker, task, digest));
    let done = s
        .contribute_and_finalize(task, worker, digest, Bytes::new(), true)
        .unwrap()
        .ok()
        .unwrap()
        .outcome;

    // Events: the task's, in PoCo's order, and the payments.
    let lifecycle = [
        IConfide::TaskContribute::SIGNATURE_HASH,
        IConfide::TaskConsensus::SIGNATURE_HASH,
        IConfide::TaskReveal::SIGNATURE_HASH,
        IConfide::TaskFinalize::SIGNATURE_HASH,
    ];
    let order: Vec<B256> = done
        .logs
        .iter()
        .filter_map(|log| log.topics().first().copied())
        .filter(|topic| lifecycle.contains(topic))
        .collect();
    assert_eq!(order, lifecycle);
    let [contribute] = done
        .events::<IConfide::TaskContribute>()
        .try_into()
        .unwrap();
    assert_eq!(
        (contribute.taskid, contribute.worker, contribute.hash),
        (task, worker, hash)
    );
    let [consensus] = done.events::<IConfide::TaskConsensus>().try_into().unwrap();
    assert_eq!(consensus.consensus, hash);
    let [reveal] = done.events::<IConfide::TaskReveal>().try_into().unwrap();
    assert_eq!((reveal.worker, reveal.digest), (worker, digest));
    let results = s.results_of(task);
    let [finalized] = done.events::<IConfide::TaskFinalize>().try_into().unwrap();
    assert_eq!(finalized.results, results);
    let worker_reward = pool_price * U256::from(99) / U256::from(100);
    let mut rewards: Vec<(Address, U256, B256)> = done
        .events::<IConfide::Reward>()
        .iter()
        .map(|r| (r.owner, r.amount, r.r#ref))
        .collect();
    rewards.sort();
    let mut expected = vec![
        (a.app_developer.address(), app_price, task),
        (a.data_owner.address(), dataset_price, task),
        (worker, worker_reward, task),
        (a.scheduler.address(), pool_price - worker_reward, task),
    ];
    expected.sort();
    assert_eq!(rewards, expected);
    let seized: Vec<(Address, U256)> = done
        .events::<IConfide::Seize>()
        .iter()
        .map(|s| (s.owner, s.amount))
        .collect();
    assert_eq!(seized, [(requester, task_price)]);
    let unlocked: Vec<(Address, U256)> = done
        .events::<IConfide::Unlock>()
        .iter()
        .map(|u| (u.owner, u.amount))
        .collect();
    assert_eq!(unlocked, [(a.scheduler.address(), stake)]);

    // Final state.
    let viewed = s.task(task).unwrap();
    assert_eq!(viewed.status, task_status::COMPLETED);
    assert_eq!(
        (viewed.consensusValue, viewed.resultDigest, &viewed.results),
        (hash, digest, &results)
    );
    assert_eq!(
        (viewed.revealCounter, viewed.winnerCounter),
        (U256::from(1), U256::from(1))
    );
    assert_eq!(viewed.contributors, [worker]);
    let contribution = s
        .view(&IConfide::viewContributionCall {
            _taskid: task,
            _worker: worker,
        })
        .unwrap();
    assert_eq!(contribution.status, contribution_status::PROVED);
    assert_eq!(
        (
            contribution.resultHash,
            contribution.resultSeal,
            contribution.enclaveChallenge
        ),
        (hash, seal, challenge)
    );
    assert_eq!(
        s.view(&IConfide::resultForCall { id: task }).unwrap(),
        Bytes::new()
    );
    assert_eq!(
        s.view(&IConfide::viewScoreCall { _worker: worker })
            .unwrap(),
        U256::ZERO
    );

    let balances = [
        (requester, deposit - task_price),
        (a.app_developer.address(), app_price),
        (a.data_owner.address(), dataset_price),
        (a.scheduler.address(), deposit + pool_price - worker_reward),
        (worker, worker_reward),
    ];
    for (who, balance) in balances {
        assert_eq!(account(&s, who), (balance, U256::ZERO), "{who}");
    }
    assert_eq!(s.total_supply().unwrap(), deposit * U256::from(2));
    assert_eq!(s.rlc_held().unwrap(), deposit * U256::from(2));
    let rlc = s
        .evm()
        .view(protocol.token, &IERC20::balanceOfCall { account: p })
        .unwrap();
    assert_eq!(rlc, deposit * U256::from(2));

    println!("gas on {implementation}:");
    for (label, used) in s.recorder().gas() {
        println!("  {label:<32} {used:>9}");
    }
}
