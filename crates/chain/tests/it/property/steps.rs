//! Running one operation against the protocol and the model.

use super::model::{Deal, KINDS, Model, Task, UNIT, accounts, pick};
use super::ops::Op;
use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::artifacts::bindings::{IConfide, Types};
use confide_chain::scenario::contribution_status::CONTRIBUTED;
use confide_chain::scenario::task_status::{ACTIVE, REVEALING};
use confide_chain::scenario::{Call, OrderOperation, Orders, Session};
use confide_protocol::OrderKind;
use confide_protocol::ids::deal_id;

/// Deposits what a match of `orders` costs its payer and the scheduler.
pub(super) fn prefund(s: &mut Session<'_>, orders: &Orders, sponsored: bool) {
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
pub(super) fn do_match(s: &mut Session<'_>, model: &mut Model, set: usize) -> bool {
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
pub(super) fn choose(
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
pub(super) fn open(view: &Types::Task, now: U256) -> bool {
    view.status == ACTIVE && view.contributionDeadline > now
}

/// The next natural step of a deal's tasks: initialize one; for a task not completed nor
/// failed: contribute (a fresh worker,
/// dishonest one time in five) or contribute-and-finalize while contributions are open, reveal
/// (an honest contributor, unless the reveal deadline is let pass one time in five), finalize
/// once revealed, reopen when nobody revealed in time, claim after the final deadline —
/// moving the clock when that is what the step needs.
pub(super) fn advance(
    s: &mut Session<'_>,
    model: &mut Model,
    task: u8,
    choice: u8,
) -> Option<bool> {
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

pub(super) fn ok<T>(call: Call<T>) -> Option<bool> {
    Some(call.succeeded())
}

/// Runs one step; returns whether its operation succeeded (`None`: nothing to do, or only
/// the clock moved).
pub(super) fn step(s: &mut Session<'_>, model: &mut Model, op: &Op) -> Option<bool> {
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
