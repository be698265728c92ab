//! Whole scenarios, run the same way on either implementation, returning their gas.
//!
//! Each `*_in` function runs on a [`Session`] (whose recorder then holds every call with its
//! normalized events, for differential comparisons); the plain functions open a session with
//! [`Actors::default`] on a protocol that actor's owner key deployed.

use super::{Actors, Assets, GasReport, RLC, ScenarioError, Session, Terms, task_status};
use crate::artifacts::bindings::IConfide;
use crate::deploy::Protocol;
use crate::evm::Evm;
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolCall;

/// A TEE task: TDX app, dataset, trust 0 (see [`tee_task_in`]).
pub fn tee_task(evm: &mut Evm, protocol: &Protocol) -> Result<GasReport, ScenarioError> {
    tee_task_in(&mut Session::new(evm, protocol, Actors::default())?)
}

/// A replicated task of trust `trust` (see [`replicated_task_in`]).
pub fn replicated_task(
    evm: &mut Evm,
    protocol: &Protocol,
    trust: u64,
) -> Result<GasReport, ScenarioError> {
    replicated_task_in(&mut Session::new(evm, protocol, Actors::default())?, trust)
}

/// One deal of `tasks` TEE tasks (see [`bulk_deal_in`]).
pub fn bulk_deal(
    evm: &mut Evm,
    protocol: &Protocol,
    tasks: u64,
) -> Result<GasReport, ScenarioError> {
    bulk_deal_in(&mut Session::new(evm, protocol, Actors::default())?, tasks)
}

/// Creates a TDX app (or a plain one), a dataset when asked, and the workerpool.
fn create_assets(
    session: &mut Session<'_>,
    tee: bool,
    dataset: bool,
) -> Result<Assets, ScenarioError> {
    let app = session.create_app(if tee { "tee-app" } else { "app" }, tee)?;
    let dataset = if dataset {
        Some(session.create_dataset("dataset")?)
    } else {
        None
    };
    let workerpool = session.create_workerpool("pool")?;
    Ok(Assets {
        app,
        dataset,
        workerpool,
    })
}

/// Deposits what the requester pays and the scheduler stakes for `terms`, plus `extra` each.
fn deposit_for(
    session: &mut Session<'_>,
    terms: &Terms,
    with_dataset: bool,
    extra: U256,
) -> Result<(), ScenarioError> {
    let volume = terms.volume;
    let price = terms.task_price(with_dataset) * volume;
    let stake = confide_protocol::consensus::workerpool_stake(terms.workerpool_price, volume);
    let (requester, scheduler) = (
        session.actors().requester.address(),
        session.actors().scheduler.address(),
    );
    session.fund_and_deposit(requester, price + extra)?;
    session.fund_and_deposit(scheduler, stake + extra)
}

/// A TEE task from asset creation to `contributeAndFinalize`: TDX app, dataset, workerpool,
/// 10 RLC deposited by the requester and the scheduler, trust 0, category XS; the task is
/// `matchOrders` + `initialize` + `contributeAndFinalize` (the enclave signs the result).
pub fn tee_task_in(session: &mut Session<'_>) -> Result<GasReport, ScenarioError> {
    let assets = create_assets(session, true, true)?;
    let terms = Terms::tee();
    let ten = U256::from(10 * RLC);
    let (requester, scheduler) = (
        session.actors().requester.address(),
        session.actors().scheduler.address(),
    );
    session.fund_and_deposit(requester, ten)?;
    session.fund_and_deposit(scheduler, ten)?;
    let orders = session.orders(&assets, &terms)?;

    let mark = session.recorder().len();
    let deal = session.match_orders(&orders)?.value()?;
    let task = session.initialize(deal, 0)?.value()?;
    let worker = session.actors().worker(0).address();
    session
        .contribute_and_finalize(
            task,
            worker,
            session.result_digest(task, 0),
            Bytes::new(),
            true,
        )?
        .ok()?;
    expect_status(session, task, task_status::COMPLETED)?;
    Ok(GasReport::from_entries(
        "TEE task",
        session.recorder().entries(),
        mark,
        1,
    ))
}

/// A replicated task: plain app, no dataset, trust `trust`; honest workers (who deposit 10 RLC
/// each) contribute one after the other until consensus, then reveal, then the scheduler
/// finalizes. Fresh workers weigh 2 each, so trust 3 needs 2 contributions and trust 5 needs 3.
pub fn replicated_task_in(
    session: &mut Session<'_>,
    trust: u64,
) -> Result<GasReport, ScenarioError> {
    let assets = create_assets(session, false, false)?;
    let terms = Terms {
        trust: U256::from(trust),
        ..Terms::default()
    };
    deposit_for(session, &terms, false, U256::ZERO)?;
    let workers: Vec<_> = session
        .actors()
        .workers
        .iter()
        .map(|w| w.address())
        .collect();
    for &worker in &workers {
        session.fund_and_deposit(worker, U256::from(10 * RLC))?;
    }
    let orders = session.orders(&assets, &terms)?;

    let mark = session.recorder().len();
    let deal = session.match_orders(&orders)?.value()?;
    let task = session.initialize(deal, 0)?.value()?;
    let digest = session.result_digest(task, 0);
    let mut contributors = Vec::new();
    for &worker in &workers {
        let call = session.contribute(task, worker, digest, false)?.ok()?;
        contributors.push(worker);
        if !call.outcome.events::<IConfide::TaskConsensus>().is_empty() {
            break;
        }
    }
    expect_status(session, task, task_status::REVEALING)?;
    for &worker in &contributors {
        session.reveal(task, worker, digest)?.ok()?;
    }
    session.finalize(task, Bytes::new())?.ok()?;
    expect_status(session, task, task_status::COMPLETED)?;
    Ok(GasReport::from_entries(
        format!(
            "replicated task (trust {trust}, {} workers)",
            contributors.len()
        ),
        session.recorder().entries(),
        mark,
        1,
    ))
}

/// One deal of volume `tasks` (TEE terms as [`tee_task_in`]): `matchOrders`, then
/// `initializeArray` in the largest batches that fit a block, then every task completed by
/// `contributeAndFinalize` (all by worker 0, with the same enclave key).
pub fn bulk_deal_in(session: &mut Session<'_>, tasks: u64) -> Result<GasReport, ScenarioError> {
    let assets = create_assets(session, true, true)?;
    let terms = Terms {
        volume: U256::from(tasks),
        ..Terms::tee()
    };
    deposit_for(session, &terms, true, U256::ZERO)?;
    let orders = session.orders(&assets, &terms)?;

    let mark = session.recorder().len();
    let deal = session.match_orders(&orders)?.value()?;
    let mut next = 0;
    while next < tasks {
        let batch = largest_batch(session, deal, next, tasks)?;
        let indexes: Vec<(B256, u64)> = (next..next + batch).map(|i| (deal, i)).collect();
        let call = session.initialize_array(&indexes)?.ok()?;
        let initialized = call.outcome.events::<IConfide::TaskInitialize>().len();
        if initialized as u64 != batch {
            return Err(ScenarioError::Unexpected(format!(
                "initializeArray of {batch} tasks initialized {initialized}"
            )));
        }
        next += batch;
    }
    let worker = session.actors().worker(0).address();
    for index in 0..tasks {
        let task = confide_protocol::ids::task_id(deal, U256::from(index));
        session
            .contribute_and_finalize(
                task,
                worker,
                session.result_digest(task, 0),
                Bytes::new(),
                true,
            )?
            .ok()?;
    }
    Ok(GasReport::from_entries(
        format!("bulk deal ({tasks} tasks)"),
        session.recorder().entries(),
        mark,
        tasks,
    ))
}

/// The largest number of tasks from `first` (up to `end`) one `initializeArray` initializes
/// within a block's gas limit (halving from all of them, by simulation).
fn largest_batch(
    session: &Session<'_>,
    deal: B256,
    first: u64,
    end: u64,
) -> Result<u64, ScenarioError> {
    let from = session.actors().scheduler.address();
    let to = session.protocol().address;
    let limit = session.evm().config().block_gas_limit;
    let mut batch = end - first;
    while batch > 1 {
        let call = IConfide::initializeArrayCall {
            dealIds: vec![deal; batch as usize],
            indexes: (first..first + batch).map(U256::from).collect(),
        };
        let outcome = session.evm().call(from, to, call.abi_encode())?;
        if outcome.success && outcome.gas_used <= limit {
            break;
        }
        batch /= 2;
    }
    Ok(batch)
}

/// Fails unless `task` has status `status`.
fn expect_status(session: &Session<'_>, task: B256, status: u8) -> Result<(), ScenarioError> {
    let found = session.task(task)?.status;
    if found == status {
        Ok(())
    } else {
        Err(ScenarioError::Unexpected(format!(
            "task {task} has status {found}, expected {status}"
        )))
    }
}
