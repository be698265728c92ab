//! Runs one flow on both implementations and compares what they did: every call (label,
//! success, normalized revert, normalized events) and what the flow observed (views rendered
//! through the session's symbolic names). Shared by `matching`, `orders` and `escrow`.

use crate::scenario::{confide, reference};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use confide_chain::artifacts::{self, bindings::IConfide, bindings::Types};
use confide_chain::deploy::Implementation;
use confide_chain::evm::EvmError;
use confide_chain::scenario::events::normalize_revert;
use confide_chain::scenario::{
    Actors, Assets, Call, GasEntry, KITTY, Orders, RLC, ScenarioError, Session,
};
use std::fmt::Debug;

/// The clock of both chains when a flow starts (after the fixture), so that deal start times
/// and deadlines agree.
pub(crate) const FLOW_START: u64 = 1_900_000_000;

/// Prefix of the label of a call whose outcome differs between the implementations on purpose
/// (a documented deviation of Confide): its success, revert and events are not compared, the
/// test asserts each side explicitly.
pub(crate) const DIFFERS: &str = "≠ ";

/// A revert without data, normalized (see `normalize_revert`).
const BARE_REVERT: &str = "revert()";

/// What the requester, the scheduler and the sponsor deposit in the fixture.
pub(crate) const REQUESTER_DEPOSIT: u64 = 100_000 * RLC;
pub(crate) const SCHEDULER_DEPOSIT: u64 = 1_000 * RLC;
pub(crate) const SPONSOR_DEPOSIT: u64 = 1_000 * RLC;

/// The assets every flow starts with, and the deposits above.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixture {
    /// `app:app`, a standard app.
    pub(crate) app: Address,
    /// `app:tee-app`, a TDX app.
    pub(crate) tee_app: Address,
    /// `dataset:dataset`.
    pub(crate) dataset: Address,
    /// `workerpool:pool`.
    pub(crate) workerpool: Address,
    /// `impostor`: a contract with an `owner()` (the app developer) that no registry knows,
    /// standing for an unregistered app, dataset or workerpool. (PoCo calls `owner()` before
    /// asking the registry, so a codeless address would revert without a reason there.)
    pub(crate) impostor: Address,
}

impl Fixture {
    /// The standard app, the dataset and the pool.
    pub(crate) fn assets(&self) -> Assets {
        Assets {
            app: self.app,
            dataset: Some(self.dataset),
            workerpool: self.workerpool,
        }
    }

    /// The TDX app, the dataset and the pool.
    pub(crate) fn tee(&self) -> Assets {
        Assets {
            app: self.tee_app,
            ..self.assets()
        }
    }
}

fn fixture(s: &mut Session<'_>) -> Fixture {
    let fixture = Fixture {
        app: s.create_app("app", false).unwrap(),
        tee_app: s.create_app("tee-app", true).unwrap(),
        dataset: s.create_dataset("dataset").unwrap(),
        workerpool: s.create_workerpool("pool").unwrap(),
        impostor: {
            let developer = s.actors().app_developer.address();
            deploy_test_contract(s, "TestERC1271Signer", &developer.abi_encode(), "impostor")
        },
    };
    let a = s.actors().clone();
    for (who, amount) in [
        (a.requester.address(), REQUESTER_DEPOSIT),
        (a.scheduler.address(), SCHEDULER_DEPOSIT),
        (a.sponsor.address(), SPONSOR_DEPOSIT),
    ] {
        s.fund_and_deposit(who, U256::from(amount)).unwrap();
    }
    s.evm_mut().set_timestamp(FLOW_START).unwrap();
    fixture
}

/// Whether the session drives Confide (else the reference PoCo).
pub(crate) fn is_confide(s: &Session<'_>) -> bool {
    s.protocol().implementation == Implementation::Confide
}

/// Runs `flow` on a fresh deployment of each implementation, after the [`Fixture`]; asserts
/// that both sent the same calls with the same outcome (success, revert, events; labels
/// starting with [`DIFFERS`] excepted) and that `flow` returned the same observations. Skipped
/// (with a message) when the reference package is absent, outside CI.
pub(crate) fn on_both<T: PartialEq + Debug>(
    test: &str,
    flow: impl Fn(&mut Session<'_>, &Fixture) -> T,
) {
    let Some(package) = crate::support::reference_package(test) else {
        return;
    };
    let run = |(mut evm, protocol): (confide_chain::Evm, confide_chain::Protocol)| {
        let mut s = Session::new(&mut evm, &protocol, Actors::default()).unwrap();
        let fixture = fixture(&mut s);
        let mark = s.recorder().len();
        let observed = flow(&mut s, &fixture);
        (s.recorder().since(mark).to_vec(), observed)
    };
    let (ours, ours_observed) = run(confide());
    let (theirs, theirs_observed) = run(reference(&package));
    assert_same_calls(&ours, &theirs);
    assert_eq!(
        ours_observed, theirs_observed,
        "observations (left: Confide, right: PoCo)"
    );
}

/// Asserts two recorders' entries describe the same behaviour, call by call.
pub(crate) fn assert_same_calls(ours: &[GasEntry], theirs: &[GasEntry]) {
    let labels =
        |entries: &[GasEntry]| -> Vec<String> { entries.iter().map(|e| e.label.clone()).collect() };
    assert_eq!(labels(ours), labels(theirs), "the calls of the flow");
    for (index, (o, t)) in ours.iter().zip(theirs).enumerate() {
        if o.label.starts_with(DIFFERS) {
            continue;
        }
        let context = format!("call #{index} `{}` (left: Confide, right: PoCo)", o.label);
        assert_eq!(o.success, t.success, "{context}: success");
        // Where PoCo reverts without a reason, Confide may say why (contracts/README.md).
        if t.revert.as_deref() != Some(BARE_REVERT) {
            assert_eq!(o.revert, t.revert, "{context}: revert");
        }
        let events =
            |e: &GasEntry| -> Vec<String> { e.events.iter().map(ToString::to_string).collect() };
        assert_eq!(events(o), events(t), "{context}: events");
    }
}

/// The revert string of a call (`None` if it succeeded or reverted otherwise).
pub(crate) fn reason<T>(call: &Call<T>) -> Option<&str> {
    call.revert().and_then(|r| r.reason())
}

/// Asserts `call` reverted with `Error(expected)`.
pub(crate) fn assert_reason<T>(call: &Call<T>, expected: &str) {
    assert_eq!(
        reason(call),
        Some(expected),
        "{}: {:?}",
        call.label,
        call.revert()
    );
}

/// `view` of the protocol, or its normalized revert.
pub(crate) fn try_view<C: SolCall>(s: &Session<'_>, call: &C) -> Result<C::Return, String> {
    match s.view(call) {
        Ok(value) => Ok(value),
        Err(ScenarioError::Evm(EvmError::Reverted { revert, .. })) => {
            Err(normalize_revert(&revert, s.symbols()))
        }
        Err(other) => panic!("view failed: {other}"),
    }
}

/// Deploys the test contract `name` with ABI-encoded constructor arguments `args` from the
/// protocol owner, names it `symbol` and returns its address.
pub(crate) fn deploy_test_contract(
    s: &mut Session<'_>,
    name: &str,
    args: &[u8],
    symbol: &str,
) -> Address {
    let mut code = artifacts::get(name).unwrap().bytecode().unwrap().to_vec();
    code.extend_from_slice(args);
    let owner = s.actors().owner.address();
    let address = s.evm_mut().deploy(owner, code).unwrap();
    s.symbols_mut().name_address(address, symbol);
    address
}

/// The SRLC accounts of every actor, the protocol, the kitty and `extra` (`viewAccount`,
/// checked against `balanceOf`/`frozenOf`), and the total supply, rendered.
pub(crate) fn accounts(s: &Session<'_>, extra: &[Address]) -> Vec<String> {
    let mut who: Vec<Address> = s
        .actors()
        .named()
        .iter()
        .map(|(_, signer)| signer.address())
        .collect();
    who.extend([s.protocol().address, KITTY]);
    who.extend_from_slice(extra);
    let mut lines: Vec<String> = who
        .into_iter()
        .map(|account| {
            let viewed = s.account(account).unwrap();
            let balance = s.view(&IConfide::balanceOfCall { account }).unwrap();
            let frozen = s.view(&IConfide::frozenOfCall { account }).unwrap();
            assert_eq!((viewed.balance, viewed.locked), (balance, frozen));
            let name = s.symbols().address(account);
            format!("{name}: {balance} free, {frozen} locked")
        })
        .collect();
    lines.push(format!("totalSupply {}", s.total_supply().unwrap()));
    lines
}

/// `viewConsumed` and `viewPresigned` of the four orders (the dataset order's only with a
/// dataset), rendered.
pub(crate) fn order_views(s: &Session<'_>, orders: &Orders) -> Vec<String> {
    orders
        .hashes(s.domain())
        .into_iter()
        .filter(|hash| *hash != B256::ZERO)
        .map(|hash| {
            let consumed = s.view(&IConfide::viewConsumedCall { _id: hash }).unwrap();
            let presigned = s.view(&IConfide::viewPresignedCall { _id: hash }).unwrap();
            format!(
                "{}: consumed {consumed}, presigned by {}",
                s.symbols().word(hash),
                s.symbols().address(presigned)
            )
        })
        .collect()
}

/// `viewDeal` rendered through the session's names.
pub(crate) fn deal_view(s: &Session<'_>, deal: B256) -> String {
    let d: Types::Deal = s.deal(deal).unwrap();
    let a = |address: Address| s.symbols().address(address);
    let resource = |r: &Types::Resource| format!("{}/{}/{}", a(r.pointer), a(r.owner), r.price);
    format!(
        "{}: app {}, dataset {}, workerpool {}, trust {}, category {}, tag {}, requester {}, \
         beneficiary {}, callback {}, params {:?}, start {}, bot {}+{}, worker stake {}, \
         scheduler ratio {}, sponsor {}",
        s.symbols().word(deal),
        resource(&d.app),
        resource(&d.dataset),
        resource(&d.workerpool),
        d.trust,
        d.category,
        d.tag,
        a(d.requester),
        a(d.beneficiary),
        a(d.callback),
        d.params,
        d.startTime,
        d.botFirst,
        d.botSize,
        d.workerStake,
        d.schedulerRewardRatio,
        a(d.sponsor)
    )
}
