//! The escrow on both implementations (poco.md §4.1, §2.6): deposits and withdrawals over the
//! RLC token, the SRLC ERC-20 surface, the token's `approveAndCall` (deposit, deposit + match),
//! `receiveApproval` and `recover`. Every call's outcome and events are compared, and so are
//! the accounts, allowances and RLC balances after each step. Deliberate deviations: PoCo
//! 6.1.0 reverts without a reason where Confide names the cause, and its `receiveApproval`
//! ignores `extraData` (deposit + match is PoCo v6.2's) and accepts any caller.

use crate::compare::{
    DIFFERS, REQUESTER_DEPOSIT, accounts, deal_view, deploy_test_contract, is_confide, on_both,
    try_view,
};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::IConfide::{
    CallerIsNotTheRequester, OperationFailed, UnsupportedOperation,
};
use confide_chain::artifacts::bindings::test_approval_receiver::TestApprovalReceiver;
use confide_chain::artifacts::bindings::{IConfide, IERC20};
use confide_chain::deploy::deploy_rlc;
use confide_chain::evm::Revert;
use confide_chain::scenario::events::{normalize, normalize_revert};
use confide_chain::scenario::{Call, RLC, Session, Terms};
use confide_protocol::SignedOrder;
use confide_protocol::ids::deal_id;
use std::fmt::Debug;

/// PoCo 6.1.0's reasonless revert, normalized.
const BARE: &str = "revert()";

fn rlc(amount: u64) -> U256 {
    U256::from(amount * RLC)
}

/// `Error(reason)`, normalized.
fn error(reason: &str) -> String {
    format!("Error({reason:?})")
}

/// A call's label and what it returned, or why it reverted.
fn outcome<T: Debug>(s: &Session<'_>, call: &Call<T>) -> String {
    match call.revert() {
        None => format!("{}: {:?}", call.label, call.returned),
        Some(revert) => format!("{}: {}", call.label, normalize_revert(revert, s.symbols())),
    }
}

/// Sends calls to the protocol from one account at a time and keeps what the flow observed.
struct Steps<'a, 's> {
    s: &'a mut Session<'s>,
    /// The sender of the next calls.
    from: Address,
    observed: Vec<String>,
}

impl<'a, 's> Steps<'a, 's> {
    fn new(s: &'a mut Session<'s>, from: Address) -> Self {
        let observed = Vec::new();
        Self { s, from, observed }
    }

    /// Sends `call`, compared on both implementations; observes its outcome.
    fn send<C: SolCall>(&mut self, label: &str, call: &C)
    where
        C::Return: Debug,
    {
        let call = self.s.send_protocol(label, self.from, call).unwrap();
        self.observed.push(outcome(self.s, &call));
    }

    /// Sends `call`, which reverts on both implementations but not alike (labelled
    /// [`DIFFERS`]): asserts Confide's normalized revert is `ours` and PoCo's `theirs`.
    fn apart<C: SolCall>(&mut self, label: &str, call: &C, ours: &str, theirs: &str) {
        let label = format!("{DIFFERS}{label}");
        let call = self.s.send_protocol(label, self.from, call).unwrap();
        let expected = if is_confide(self.s) { ours } else { theirs };
        let revert = call.revert().map(|r| normalize_revert(r, self.s.symbols()));
        assert_eq!(revert.as_deref(), Some(expected), "{}", call.label);
    }

    /// [`Self::apart`] where PoCo reverts without a reason and Confide names the cause.
    fn bare<C: SolCall>(&mut self, label: &str, call: &C, ours: &str) {
        self.apart(label, call, ours, BARE);
    }

    /// Observes the accounts (with `extra`'s) and the RLC held by `who` and the protocol.
    fn balances(&mut self, extra: &[Address], who: &[Address]) {
        self.observed.extend(accounts(self.s, extra));
        let token = self.s.protocol().token;
        for &account in who.iter().chain([&self.s.protocol().address]) {
            let held = self.s.evm().view(token, &IERC20::balanceOfCall { account });
            let name = self.s.symbols().address(account);
            let held = held.unwrap();
            self.observed.push(format!("RLC of {name}: {held}"));
        }
    }
}

/// `from` approves the protocol for `amount` nRLC on the RLC token (must succeed).
fn approve_rlc(s: &mut Session<'_>, from: Address, amount: U256) {
    let (protocol, token) = (s.protocol().address, s.protocol().token);
    let call = IERC20::approveCall {
        spender: protocol,
        value: amount,
    };
    s.send("RLC.approve", from, token, &call)
        .unwrap()
        .ok()
        .unwrap();
}

/// `from` calls `approveAndCall(protocol, amount, data)` on `token`.
fn approve_and_call(
    s: &mut Session<'_>,
    label: &str,
    (from, token): (Address, Address),
    amount: U256,
    data: &[u8],
) -> Call<bool> {
    let call = IERC20::approveAndCallCall {
        spender: s.protocol().address,
        value: amount,
        extraData: Bytes::copy_from_slice(data),
    };
    s.send(label, from, token, &call).unwrap()
}

#[test]
fn deposits_and_withdrawals_behave_as_poco() {
    on_both("deposits_and_withdrawals_behave_as_poco", |s, f| {
        let a = s.actors().clone();
        let [alice, bob, carol, dave] = [0, 1, 2, 3].map(|i| a.worker(i).address());
        let everyone = [alice, bob, carol, dave];
        s.fund(alice, rlc(1_000)).unwrap();
        approve_rlc(s, alice, rlc(500));
        let deposit = |n| IConfide::depositCall(rlc(n));
        let deposit_for = |n, target| IConfide::depositForCall {
            _0: rlc(n),
            _1: target,
        };
        let array = |amounts: &[u64], targets: &[Address]| IConfide::depositForArrayCall {
            _0: amounts.iter().map(|&n| rlc(n)).collect(),
            _1: targets.to_vec(),
        };
        let withdraw = IConfide::withdrawCall;
        let one = U256::from(1);
        let withdraw_to = |n, target| IConfide::withdrawToCall {
            _0: rlc(n),
            _1: target,
        };

        let mut t = Steps::new(s, alice);
        t.send("deposit", &deposit(100));
        t.send("deposit 0", &deposit(0));
        t.send("depositFor", &deposit_for(50, bob));
        t.send("depositFor 0x0", &deposit_for(1, Address::ZERO));
        t.send("depositForArray", &array(&[10, 20, 0], &[carol, dave, bob]));
        t.send("depositForArray 2 → 1", &array(&[10, 20], &[carol]));
        t.send("depositForArray 1 → 2", &array(&[10], &[carol, dave]));
        t.send("depositForArray: empty", &array(&[], &[]));
        // The token's own errors (allowance, balance) come through on both.
        t.send("deposit > RLC allowance", &deposit(400));
        approve_rlc(t.s, alice, rlc(10_000));
        t.send("deposit > RLC balance", &deposit(900));
        t.balances(&everyone, &everyone);

        t.send("withdraw", &withdraw(rlc(30)));
        t.send("withdraw 0", &withdraw(U256::ZERO));
        t.send("withdrawTo", &withdraw_to(20, dave));
        t.send("withdrawTo 0x0", &withdraw_to(1, Address::ZERO));
        // PoCo burns without a reason; Confide names the cause.
        let burn = error("ERC20: burn amount exceeds balance");
        t.from = bob;
        t.bare("withdraw > balance", &withdraw(rlc(50) + one), &burn);
        t.from = carol;
        t.bare("withdrawTo > balance", &withdraw_to(11, alice), &burn);
        t.from = a.tee_broker.address();
        t.bare("withdraw, no account", &withdraw(one), &burn);
        t.balances(&everyone, &everyone);

        // A match locks 8 RLC of the requester and 1.5 RLC of the scheduler: their free
        // balance may be withdrawn, not one nRLC more.
        let orders = t.s.orders(&f.assets(), &Terms::default()).unwrap();
        t.s.match_orders(&orders).unwrap().ok().unwrap();
        let locked = [a.requester.address(), a.scheduler.address()];
        for who in locked {
            let free = t.s.account(who).unwrap().balance;
            t.from = who;
            t.bare("withdraw locked funds", &withdraw(free + one), &burn);
            t.send("withdraw the free balance", &withdraw(free));
        }
        t.balances(&[], &locked);
        t.observed
    });
}

/// `view` of `contract` (must succeed).
fn view_of<C: SolCall>(s: &Session<'_>, contract: Address, call: C) -> C::Return {
    s.evm().view(contract, &call).unwrap()
}

#[test]
fn srlc_erc20_surface_behaves_as_poco() {
    on_both("srlc_erc20_surface_behaves_as_poco", |s, _| {
        let a = s.actors().clone();
        let requester = a.requester.address();
        let [spender, bob] = [0, 1].map(|i| a.worker(i).address());
        let token = s.view(&IConfide::tokenCall {}).unwrap();
        let views = vec![
            format!("name {:?}", try_view(s, &IConfide::nameCall {})),
            format!("symbol {:?}", try_view(s, &IConfide::symbolCall {})),
            format!("decimals {:?}", try_view(s, &IConfide::decimalsCall {})),
            format!("supply {:?}", try_view(s, &IConfide::totalSupplyCall {})),
            format!("token {}", s.symbols().address(token)),
        ];
        let allowance = |s: &Session<'_>, spender| {
            let call = IConfide::allowanceCall {
                account: requester,
                spender,
            };
            let name = s.symbols().address(spender);
            format!("allowance → {name}: {:?}", try_view(s, &call))
        };
        let transfer = |to, amount| IConfide::transferCall { _0: to, _1: amount };
        let approve = |to, amount| IConfide::approveCall { _0: to, _1: amount };
        let from = |amount| IConfide::transferFromCall {
            _0: requester,
            _1: bob,
            _2: amount,
        };
        let increase = |amount| IConfide::increaseAllowanceCall {
            _0: spender,
            _1: amount,
        };
        let decrease = |n| IConfide::decreaseAllowanceCall {
            _0: spender,
            _1: rlc(n),
        };
        let all = U256::from(REQUESTER_DEPOSIT);

        let mut t = Steps::new(s, requester);
        t.observed = views;
        let one = U256::from(1);
        t.send("transfer", &transfer(bob, rlc(10)));
        t.send("transfer 0", &transfer(bob, U256::ZERO));
        t.send("transfer to oneself", &transfer(requester, rlc(1)));
        t.send("approve", &approve(spender, rlc(50)));
        t.send("approve 0x0", &approve(Address::ZERO, rlc(1)));
        // PoCo reverts without a reason on balances and allowances; Confide names the cause
        // (and overflows with a panic).
        let exceeds = error("IexecEscrow: Transfer amount exceeds balance");
        let allowed = error("ERC20: transfer amount exceeds allowance");
        t.bare("transfer > balance", &transfer(bob, all), &exceeds);
        t.send("transfer to 0x0", &transfer(Address::ZERO, rlc(1)));
        t.from = spender;
        t.send("transferFrom within the allowance", &from(rlc(20)));
        t.bare("transferFrom > allowance", &from(rlc(31)), &allowed);
        t.observed.push(allowance(t.s, spender));
        t.from = bob;
        t.bare("transferFrom, no allowance", &from(one), &allowed);
        t.from = requester;
        t.send("increaseAllowance", &increase(rlc(5)));
        t.send("decreaseAllowance", &decrease(10));
        let below = error("ERC20: decreased allowance below zero");
        t.bare("decreaseAllowance < 0", &decrease(26), &below);
        t.observed.push(allowance(t.s, spender));
        t.send("approve everything", &approve(spender, U256::MAX));
        t.bare("increaseAllowance overflow", &increase(one), "Panic(0x11)");
        t.from = spender;
        t.bare("transferFrom > balance", &from(all), &exceeds);
        // An infinite allowance still decreases (and emits Approval) on both.
        t.send("transferFrom, infinite allowance", &from(rlc(1)));
        t.observed.push(allowance(t.s, spender));
        t.balances(&[spender, bob], &[]);

        // SRLC's own approveAndCall, to a third-party contract that records the call.
        let receiver = deploy_test_contract(t.s, "TestApprovalReceiver", &[], "receiver");
        let call = |to, value| IConfide::approveAndCallCall {
            _0: to,
            _1: value,
            _2: Bytes::from_static(b"extra"),
        };
        t.from = requester;
        for (mode, label) in [
            (0, "approveAndCall, receiver accepts"),
            (1, "approveAndCall, receiver refuses"),
            (2, "approveAndCall, receiver reverts"),
        ] {
            let set = TestApprovalReceiver::setModeCall { newMode: mode };
            t.s.send("setMode", bob, receiver, &set)
                .unwrap()
                .ok()
                .unwrap();
            t.send(label, &call(receiver, rlc(u64::from(mode) + 1)));
            t.observed.push(allowance(t.s, receiver));
        }
        use TestApprovalReceiver as R;
        let s = &*t.s;
        let name = |address| s.symbols().address(address);
        let seen = (
            name(view_of(s, receiver, R::lastFromCall {})),
            view_of(s, receiver, R::lastValueCall {}),
            name(view_of(s, receiver, R::lastTokenCall {})),
            view_of(s, receiver, R::lastExtraDataCall {}),
            name(view_of(s, receiver, R::lastCallerCall {})),
        );
        t.observed.push(format!("receiver saw {seen:?}"));
        t.send("approveAndCall to an EOA", &call(bob, rlc(1)));
        t.observed
    });
}

/// Confide's refusal of a `receiveApproval` payload, in short.
fn refusal(s: &Session<'_>, revert: &Revert) -> String {
    if revert.custom::<CallerIsNotTheRequester>().is_some() {
        "not the requester".into()
    } else if revert.custom::<OperationFailed>().is_some() {
        "malformed".into()
    } else if let Some(e) = revert.custom::<UnsupportedOperation>() {
        format!("unsupported {}", e.selector)
    } else {
        normalize_revert(revert, s.symbols())
    }
}

#[test]
fn rlc_approve_and_call_deposits_and_matches() {
    on_both("rlc_approve_and_call_deposits_and_matches", |s, f| {
        let a = s.actors().clone();
        let (requester, other) = (a.requester.address(), a.worker(0).address());
        let (protocol, token) = (s.protocol().address, s.protocol().token);
        for who in [requester, other] {
            s.fund(who, rlc(100)).unwrap();
        }
        let deposit = approve_and_call(s, "approveAndCall", (other, token), rlc(10), &[]);
        let mut observed = vec![outcome(s, &deposit)];
        let zero = approve_and_call(s, "approveAndCall 0", (other, token), U256::ZERO, &[]);
        observed.push(outcome(s, &zero));
        observed.extend(accounts(s, &[other]));

        let orders = s.orders(&f.assets(), &Terms::default()).unwrap();
        s.name_orders(&orders);
        let deal = deal_id(orders.hashes(s.domain())[3], U256::ZERO);
        s.symbols_mut().name_word(deal, "deal:0");
        let matching = orders.match_call().abi_encode();
        let mut forged = orders.clone();
        let request = orders.request.order.clone();
        forged.request = SignedOrder::sign(request, s.domain(), &a.scheduler).unwrap();
        let forged = forged.match_call().abi_encode();
        let price = rlc(8);

        // DIFFERENCE (deliberate, Confide follows PoCo v6.2, poco.md §2.6): PoCo 6.1.0's
        // receiveApproval ignores extraData and deposits; Confide runs the match it encodes.
        let bad_signature = error("iExecV5-matchOrders-0x50");
        let is_confide = is_confide(s);
        for (name, from, data, refused) in [
            ("another's match", other, &matching[..], "not the requester"),
            ("garbage", requester, b"garbage", "unsupported 0x67617262"),
            ("truncated match", requester, &matching[..100], "malformed"),
            ("forged match", requester, &forged, &bad_signature),
        ] {
            let snapshot = s.evm().snapshot();
            let before = s.account(from).unwrap().balance;
            let label = format!("{DIFFERS}approveAndCall + {name}");
            let call = approve_and_call(s, &label, (from, token), price, data);
            if is_confide {
                let revert = call.revert().map(|r| refusal(s, r));
                assert_eq!(revert.as_deref(), Some(refused), "{label}");
            } else {
                assert!(call.succeeded(), "{label}: {:?}", call.revert());
                assert_eq!(s.account(from).unwrap().balance, before + price);
            }
            s.evm_mut().restore(&snapshot);
        }

        // The requester's own match: one transaction on Confide; PoCo 6.1.0 needs a second
        // one (sent unrecorded, at the same block time). Events, deal and locks then agree.
        let time = s.evm().timestamp();
        let label = format!("{DIFFERS}approveAndCall + the requester's match");
        let call = approve_and_call(s, &label, (requester, token), price, &matching);
        assert!(call.succeeded(), "{:?}", call.revert());
        let mut events = normalize(&call.outcome, protocol, s.symbols());
        if !is_confide {
            assert_eq!(s.account(requester).unwrap().locked, U256::ZERO);
            s.evm_mut().set_timestamp(time).unwrap();
            let second = s.evm_mut().transact(requester, protocol, matching).unwrap();
            assert!(second.success, "{:?}", second.revert);
            events.extend(normalize(&second, protocol, s.symbols()));
        }
        assert_eq!(s.account(requester).unwrap().locked, price);
        observed.push(deal_view(s, deal));
        observed.extend(events.iter().map(ToString::to_string));

        // DIFFERENCE (deliberate): Confide takes receiveApproval from the RLC token only;
        // PoCo 6.1.0 from anyone, pulling the RLC `sender` approved into `sender`'s SRLC.
        approve_rlc(s, requester, rlc(1));
        let direct = IConfide::receiveApprovalCall {
            _0: requester,
            _1: rlc(1),
            _2: token,
            _3: Bytes::new(),
        };
        let snapshot = s.evm().snapshot();
        let label = format!("{DIFFERS}receiveApproval by another account");
        let call = s.send_protocol(label, other, &direct).unwrap();
        if is_confide {
            assert_eq!(call.revert().and_then(|r| r.reason()), Some("wrong-token"));
        } else {
            assert!(call.succeeded(), "{:?}", call.revert());
            let free = s.account(requester).unwrap().balance;
            assert_eq!(free, U256::from(REQUESTER_DEPOSIT) + rlc(1));
        }
        s.evm_mut().restore(&snapshot);

        // Another token's approveAndCall is refused by both.
        let owner = a.owner.address();
        let fake = deploy_rlc(s.evm_mut(), owner, rlc(1_000)).unwrap();
        s.symbols_mut().name_address(fake, "fake-RLC");
        let label = "another token's approveAndCall";
        let call = approve_and_call(s, label, (owner, fake), rlc(1), &[]);
        observed.push(outcome(s, &call));
        let mut t = Steps::new(s, owner);
        t.observed = observed;
        t.balances(&[other], &[requester, other]);
        t.observed
    });
}

#[test]
fn recover_mints_tokens_sent_without_deposit_to_the_owner() {
    on_both(
        "recover_mints_tokens_sent_without_deposit_to_the_owner",
        |s, _| {
            let a = s.actors().clone();
            let (owner, requester) = (a.owner.address(), a.requester.address());
            let (protocol, token) = (s.protocol().address, s.protocol().token);
            let mut t = Steps::new(s, owner);
            t.send("recover, nothing to recover", &IConfide::recoverCall {});
            let gift = IERC20::transferCall {
                to: protocol,
                value: rlc(5),
            };
            let label = "RLC.transfer to the protocol";
            t.s.send(label, owner, token, &gift).unwrap().ok().unwrap();
            t.from = requester;
            t.send("recover by a non-owner", &IConfide::recoverCall {});
            t.from = owner;
            t.send("recover by the owner", &IConfide::recoverCall {});
            t.send("recover again", &IConfide::recoverCall {});
            t.balances(&[], &[owner]);
            t.observed
        },
    );
}
