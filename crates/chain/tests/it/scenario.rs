//! One scenario for both implementations, through the `IConfide` bindings: views after
//! deployment, and a TEE task from asset creation to `contributeAndFinalize`.

use crate::support::key;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use confide_chain::artifacts::bindings::{
    IAppRegistry, IConfide, IDatasetRegistry, IERC20, IWorkerpoolRegistry,
};
use confide_chain::deploy::{CATEGORY_DESCRIPTION, Protocol};
use confide_chain::{Evm, TxOutcome};
use confide_protocol::authorization::{enclave_signature_message, worker_authorization_hash};
use confide_protocol::consensus::{DEFAULT_CATEGORIES, task_deadlines};
use confide_protocol::ids::{deal_id, task_id};
use confide_protocol::result::{ResultLocation, result_hash, result_seal, web2_file_digest};
use confide_protocol::signature::sign_personal;
use confide_protocol::tag::TagBit;
use confide_protocol::{AppOrder, DatasetOrder, RequestOrder, SignedOrder, Tag, WorkerpoolOrder};

/// The chain id of the scenarios (not the EVM's default, to check it reaches the domain).
pub(crate) const CHAIN_ID: u64 = 421_614;

const RLC: u64 = 1_000_000_000;

// `Types.TaskStatusEnum` / `Types.ContributionStatusEnum` values (poco.md §3.1).
const TASK_ACTIVE: u8 = 1;
const TASK_COMPLETED: u8 = 3;
const CONTRIBUTION_PROVED: u8 = 2;

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

/// Sends transactions that must succeed and records their gas.
struct Run<'a> {
    evm: &'a mut Evm,
    gas: Vec<(String, u64)>,
}

impl Run<'_> {
    fn send<C: SolCall>(&mut self, label: &str, from: Address, to: Address, call: &C) -> TxOutcome {
        let outcome = self
            .evm
            .transact(from, to, call.abi_encode())
            .unwrap()
            .ok()
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        self.gas.push((label.to_owned(), outcome.gas_used));
        outcome
    }
}

/// The actors of the scenario.
struct Actors {
    owner: PrivateKeySigner,
    app_owner: PrivateKeySigner,
    dataset_owner: PrivateKeySigner,
    scheduler: PrivateKeySigner,
    requester: PrivateKeySigner,
    worker: PrivateKeySigner,
    enclave: PrivateKeySigner,
}

/// A TEE task (TDX tag, trust 1, dataset) from asset creation to `contributeAndFinalize`,
/// checking ids, hashes, views, events and balances; returns the gas of every transaction.
pub(crate) fn tee_task(evm: &mut Evm, protocol: &Protocol) -> Vec<(String, u64)> {
    let a = Actors {
        owner: key(1),
        app_owner: key(2),
        dataset_owner: key(3),
        scheduler: key(4),
        requester: key(5),
        worker: key(6),
        enclave: key(7),
    };
    assert_eq!(protocol.owner, a.owner.address());
    let p = protocol.address;
    let domain = protocol.domain(CHAIN_ID);
    let mut run = Run {
        evm,
        gas: Vec::new(),
    };

    // Assets.
    let create_app = IAppRegistry::createAppCall {
        owner: a.app_owner.address(),
        name: "tee-app".into(),
        appType: "DOCKER".into(),
        multiaddr: Bytes::from_static(b"docker.io/confide/tee-app:1.0.0"),
        checksum: B256::repeat_byte(0xa1),
        mrenclave: Bytes::from_static(br#"{"framework":"TDX","version":"v1","fingerprint":"00"}"#),
    };
    let app = run
        .send(
            "createApp",
            a.app_owner.address(),
            protocol.app_registry,
            &create_app,
        )
        .decode::<IAppRegistry::createAppCall>()
        .unwrap();
    let create_dataset = IDatasetRegistry::createDatasetCall {
        owner: a.dataset_owner.address(),
        name: "dataset".into(),
        multiaddr: Bytes::from_static(
            b"/ipfs/bafkreibftrfuo7dsdqkymrxvhkweugb2osnppdzjoz7lpywryscbk6747a",
        ),
        checksum: B256::repeat_byte(0xd5),
    };
    let dataset = run
        .send(
            "createDataset",
            a.dataset_owner.address(),
            protocol.dataset_registry,
            &create_dataset,
        )
        .decode::<IDatasetRegistry::createDatasetCall>()
        .unwrap();
    let create_pool = IWorkerpoolRegistry::createWorkerpoolCall {
        owner: a.scheduler.address(),
        description: "pool".into(),
    };
    let workerpool = run
        .send(
            "createWorkerpool",
            a.scheduler.address(),
            protocol.workerpool_registry,
            &create_pool,
        )
        .decode::<IWorkerpoolRegistry::createWorkerpoolCall>()
        .unwrap();
    let info = run.evm.view(p, &IConfide::viewAppCall { app }).unwrap();
    assert_eq!(
        (info.owner, info.m_appType.as_str()),
        (a.app_owner.address(), "DOCKER")
    );
    let info = run
        .evm
        .view(p, &IConfide::viewDatasetCall { dataset })
        .unwrap();
    assert_eq!(
        (info.owner, info.m_datasetChecksum),
        (a.dataset_owner.address(), B256::repeat_byte(0xd5))
    );
    let info = run
        .evm
        .view(p, &IConfide::viewWorkerpoolCall { workerpool })
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
    for (who, label) in [(&a.requester, "requester"), (&a.scheduler, "scheduler")] {
        let transfer = IERC20::transferCall {
            to: who.address(),
            value: U256::from(100 * RLC),
        };
        run.send("RLC.transfer", a.owner.address(), protocol.token, &transfer);
        let approve = IERC20::approveCall {
            spender: p,
            value: deposit,
        };
        run.send(
            &format!("RLC.approve ({label})"),
            who.address(),
            protocol.token,
            &approve,
        );
        let outcome = run.send(
            &format!("deposit ({label})"),
            who.address(),
            p,
            &IConfide::depositCall(deposit),
        );
        let minted = outcome.events::<IConfide::Transfer>();
        assert!(
            minted.iter().any(|t| t.address == p
                && t.from == Address::ZERO
                && t.to == who.address()
                && t.value == deposit),
            "SRLC minted on deposit"
        );
        assert_eq!(account(run.evm, p, who.address()), (deposit, U256::ZERO));
    }

    // Orders: TEE (TDX) task, trust 0, category XS.
    let tdx = Tag::from_bits(&[TagBit::Tee, TagBit::Tdx]).0;
    let (app_price, dataset_price, pool_price) =
        (U256::from(RLC), U256::from(2 * RLC), U256::from(5 * RLC));
    let app_order = SignedOrder::sign(
        AppOrder {
            app,
            appprice: app_price,
            volume: U256::from(1),
            tag: tdx,
            salt: B256::repeat_byte(0x01),
            ..Default::default()
        },
        &domain,
        &a.app_owner,
    )
    .unwrap();
    let dataset_order = SignedOrder::sign(
        DatasetOrder {
            dataset,
            datasetprice: dataset_price,
            volume: U256::from(1),
            tag: Tag::from_bits(&[TagBit::Tee]).0,
            salt: B256::repeat_byte(0x02),
            ..Default::default()
        },
        &domain,
        &a.dataset_owner,
    )
    .unwrap();
    let workerpool_order = SignedOrder::sign(
        WorkerpoolOrder {
            workerpool,
            workerpoolprice: pool_price,
            volume: U256::from(1),
            tag: tdx,
            category: U256::ZERO,
            trust: U256::ZERO,
            salt: B256::repeat_byte(0x03),
            ..Default::default()
        },
        &domain,
        &a.scheduler,
    )
    .unwrap();
    let request_order = SignedOrder::sign(
        RequestOrder {
            app,
            appmaxprice: app_price,
            dataset,
            datasetmaxprice: dataset_price,
            workerpool,
            workerpoolmaxprice: pool_price,
            requester: a.requester.address(),
            volume: U256::from(1),
            tag: tdx,
            category: U256::ZERO,
            trust: U256::ZERO,
            beneficiary: a.requester.address(),
            callback: Address::ZERO,
            params: r#"{"iexec_args":"hello"}"#.into(),
            salt: B256::repeat_byte(0x04),
        },
        &domain,
        &a.requester,
    )
    .unwrap();

    // matchOrders.
    let match_orders = IConfide::matchOrdersCall {
        _0: (&app_order).into(),
        _1: (&dataset_order).into(),
        _2: (&workerpool_order).into(),
        _3: (&request_order).into(),
    };
    let match_time = run.evm.timestamp();
    let matched = run.send("matchOrders", a.requester.address(), p, &match_orders);
    let deal = matched.decode::<IConfide::matchOrdersCall>().unwrap();
    assert_eq!(deal, deal_id(request_order.hash(&domain), U256::ZERO));
    let [orders_matched] = matched
        .events::<IConfide::OrdersMatched>()
        .try_into()
        .unwrap();
    assert_eq!(
        (
            orders_matched.dealid,
            orders_matched.appHash,
            orders_matched.datasetHash
        ),
        (deal, app_order.hash(&domain), dataset_order.hash(&domain))
    );
    assert_eq!(
        (
            orders_matched.workerpoolHash,
            orders_matched.requestHash,
            orders_matched.volume
        ),
        (
            workerpool_order.hash(&domain),
            request_order.hash(&domain),
            U256::from(1)
        )
    );
    let [notice] = matched
        .events::<IConfide::SchedulerNotice>()
        .try_into()
        .unwrap();
    assert_eq!((notice.workerpool, notice.dealid), (workerpool, deal));
    let stake = pool_price * U256::from(30) / U256::from(100);
    let task_price = app_price + dataset_price + pool_price;
    assert_eq!(
        account(run.evm, p, a.requester.address()),
        (deposit - task_price, task_price)
    );
    assert_eq!(
        account(run.evm, p, a.scheduler.address()),
        (deposit - stake, stake)
    );
    let viewed = run
        .evm
        .view(p, &IConfide::viewDealCall { id: deal })
        .unwrap();
    assert_eq!(
        (viewed.app.pointer, viewed.app.owner, viewed.app.price),
        (app, a.app_owner.address(), app_price)
    );
    assert_eq!(
        (
            viewed.dataset.pointer,
            viewed.dataset.owner,
            viewed.dataset.price
        ),
        (dataset, a.dataset_owner.address(), dataset_price)
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
    assert_eq!(
        (
            viewed.requester,
            viewed.beneficiary,
            viewed.callback,
            viewed.sponsor
        ),
        (
            a.requester.address(),
            a.requester.address(),
            Address::ZERO,
            a.requester.address()
        )
    );
    assert_eq!(viewed.params, request_order.order.params);
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
    let initialized = run.send(
        "initialize",
        a.scheduler.address(),
        p,
        &IConfide::initializeCall {
            dealId: deal,
            index: U256::ZERO,
        },
    );
    let task = initialized.decode::<IConfide::initializeCall>().unwrap();
    assert_eq!(task, task_id(deal, U256::ZERO));
    let [init] = initialized
        .events::<IConfide::TaskInitialize>()
        .try_into()
        .unwrap();
    assert_eq!((init.taskid, init.workerpool), (task, workerpool));
    let viewed = run
        .evm
        .view(p, &IConfide::viewTaskCall { id: task })
        .unwrap();
    let deadlines = task_deadlines(start, DEFAULT_CATEGORIES[0].work_clock_time_ref);
    assert_eq!(viewed.status, TASK_ACTIVE);
    assert_eq!((viewed.dealid, viewed.idx), (deal, U256::ZERO));
    assert_eq!(
        viewed.contributionDeadline,
        U256::from(deadlines.contribution)
    );
    assert_eq!(viewed.finalDeadline, U256::from(deadlines.final_deadline));

    // contributeAndFinalize, authorized by the scheduler, signed by the enclave.
    let worker = a.worker.address();
    let challenge = a.enclave.address();
    let digest = web2_file_digest(b"hello from the enclave\n").unwrap();
    let (hash, seal) = (result_hash(task, digest), result_seal(worker, task, digest));
    let authorization = sign_personal(
        &a.scheduler,
        &worker_authorization_hash(worker, task, challenge),
    )
    .unwrap();
    let enclave_sign = sign_personal(&a.enclave, &enclave_signature_message(hash, seal)).unwrap();
    let results = Bytes::from(
        ResultLocation::ipfs("bafkreibftrfuo7dsdqkymrxvhkweugb2osnppdzjoz7lpywryscbk6747a")
            .to_bytes(),
    );
    let finalize = IConfide::contributeAndFinalizeCall {
        taskId: task,
        resultDigest: digest,
        results: results.clone(),
        resultsCallback: Bytes::new(),
        enclaveChallenge: challenge,
        enclaveSign: enclave_sign,
        authorizationSign: authorization,
    };
    let done = run.send("contributeAndFinalize", worker, p, &finalize);

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
        (a.app_owner.address(), app_price, task),
        (a.dataset_owner.address(), dataset_price, task),
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
    assert_eq!(seized, [(a.requester.address(), task_price)]);
    let unlocked: Vec<(Address, U256)> = done
        .events::<IConfide::Unlock>()
        .iter()
        .map(|u| (u.owner, u.amount))
        .collect();
    assert_eq!(unlocked, [(a.scheduler.address(), stake)]);

    // Final state.
    let viewed = run
        .evm
        .view(p, &IConfide::viewTaskCall { id: task })
        .unwrap();
    assert_eq!(viewed.status, TASK_COMPLETED);
    assert_eq!(
        (viewed.consensusValue, viewed.resultDigest, &viewed.results),
        (hash, digest, &results)
    );
    assert_eq!(
        (viewed.revealCounter, viewed.winnerCounter),
        (U256::from(1), U256::from(1))
    );
    assert_eq!(viewed.contributors, [worker]);
    let contribution = run
        .evm
        .view(
            p,
            &IConfide::viewContributionCall {
                _taskid: task,
                _worker: worker,
            },
        )
        .unwrap();
    assert_eq!(contribution.status, CONTRIBUTION_PROVED);
    assert_eq!(
        (
            contribution.resultHash,
            contribution.resultSeal,
            contribution.enclaveChallenge
        ),
        (hash, seal, challenge)
    );
    assert_eq!(
        run.evm
            .view(p, &IConfide::resultForCall { id: task })
            .unwrap(),
        Bytes::new()
    );
    assert_eq!(
        run.evm
            .view(p, &IConfide::viewScoreCall { _worker: worker })
            .unwrap(),
        U256::ZERO
    );

    let balances = [
        (a.requester.address(), deposit - task_price),
        (a.app_owner.address(), app_price),
        (a.dataset_owner.address(), dataset_price),
        (a.scheduler.address(), deposit + pool_price - worker_reward),
        (worker, worker_reward),
    ];
    for (who, balance) in balances {
        assert_eq!(account(run.evm, p, who), (balance, U256::ZERO), "{who}");
    }
    assert_eq!(
        run.evm.view(p, &IConfide::totalSupplyCall {}).unwrap(),
        deposit * U256::from(2)
    );
    let held = run
        .evm
        .view(protocol.token, &IERC20::balanceOfCall { account: p })
        .unwrap();
    assert_eq!(held, deposit * U256::from(2));
    run.gas
}

/// `(balance, frozen)` of `who` in the protocol's SRLC.
fn account(evm: &mut Evm, protocol: Address, who: Address) -> (U256, U256) {
    let viewed = evm
        .view(protocol, &IConfide::viewAccountCall { account: who })
        .unwrap();
    assert_eq!(
        evm.view(protocol, &IConfide::balanceOfCall { account: who })
            .unwrap(),
        viewed.stake
    );
    assert_eq!(
        evm.view(protocol, &IConfide::frozenOfCall { account: who })
            .unwrap(),
        viewed.locked
    );
    (viewed.stake, viewed.locked)
}

/// Prints the gas of each transaction and of the TEE task (match + initialize + finalize).
pub(crate) fn print_gas(implementation: &str, gas: &[(String, u64)]) {
    println!("gas on {implementation}:");
    for (label, used) in gas {
        println!("  {label:<28} {used:>9}");
    }
    let task: u64 = gas
        .iter()
        .filter(|(label, _)| {
            ["matchOrders", "initialize", "contributeAndFinalize"].contains(&label.as_str())
        })
        .map(|(_, used)| used)
        .sum();
    println!("  {:<28} {task:>9}", "TEE task (3 calls)");
}
