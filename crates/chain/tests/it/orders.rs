//! Order management on both implementations (poco.md §6): presigning and closing each of the
//! four order kinds, by its owner (`manage<Kind>Order` with an empty `sign`) or relayed by
//! anyone with the owner's EIP-712 signature of the `<Kind>OrderOperation` (computed by
//! `confide_protocol`'s `operation_hash`, so every accepted relayed operation also checks that
//! hash against both contracts). Every case asserts its outcome, and `on_both` compares the
//! calls' events (`Signed<Kind>Order`, `Closed<Kind>Order`) and the views (`viewConsumed`,
//! `viewPresigned`).

use crate::compare::{DIFFERS, Fixture, assert_reason, is_confide, on_both, order_views, reason};
use crate::matching::{compact, high_s};
use alloy_primitives::{Address, Bytes, U256};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide};
use confide_chain::evm::Revert;
use confide_chain::scenario::{Call, OrderDraft, OrderOperation, Orders, Session, Terms};
use confide_protocol::OrderKind;

const OPERATIONS: [OrderOperation; 2] = [OrderOperation::Sign, OrderOperation::Close];

/// What a match of a closed (or used up) order reverts with.
const EXHAUSTED: &str = "iExecV5-matchOrders-0x60";

/// The key that owns the order of `kind`: the asset's owner, or the request's requester.
fn owner(s: &Session<'_>, kind: OrderKind) -> PrivateKeySigner {
    let a = s.actors();
    match kind {
        OrderKind::App => a.app_developer.clone(),
        OrderKind::Dataset => a.data_owner.clone(),
        OrderKind::Workerpool => a.scheduler.clone(),
        OrderKind::Request => a.requester.clone(),
    }
}

/// Someone who owns none of the orders and relays operations.
fn relayer(s: &Session<'_>) -> Address {
    s.actors().worker(0).address()
}

/// The order of `kind` without its signature (valid only if presigned).
fn unsigned(mut orders: Orders, kind: OrderKind) -> Orders {
    match kind {
        OrderKind::App => orders.app.sign = None,
        OrderKind::Dataset => orders.dataset.sign = None,
        OrderKind::Workerpool => orders.workerpool.sign = None,
        OrderKind::Request => orders.request.sign = None,
    }
    orders
}

/// Orders of volume 1 (salted by `salt`), except the order of `kind`: volume 3 and the same
/// whatever `salt`, so that several deals can consume it.
fn sharing(s: &Session<'_>, f: &Fixture, kind: OrderKind, salt: u64) -> Orders {
    let requester = s.actors().requester.address();
    let draft = |salt, volume| {
        let terms = Terms {
            salt,
            volume: U256::from(volume),
            ..Terms::default()
        };
        OrderDraft::new(&f.assets(), &terms, requester)
    };
    let (mut d, shared) = (draft(salt, 1), draft(1_000, 3));
    match kind {
        OrderKind::App => d.app = shared.app,
        OrderKind::Dataset => d.dataset = shared.dataset,
        OrderKind::Workerpool => d.workerpool = shared.workerpool,
        OrderKind::Request => d.request = shared.request,
    }
    s.sign_orders(d).unwrap()
}

fn op_name(operation: OrderOperation) -> &'static str {
    match operation {
        OrderOperation::Sign => "presign",
        OrderOperation::Close => "close",
    }
}

/// `viewPresigned` of the order of `kind`.
fn presigner(s: &Session<'_>, orders: &Orders, kind: OrderKind) -> Address {
    let index = OrderKind::ALL.iter().position(|k| *k == kind).unwrap();
    let hash = orders.hashes(s.domain())[index];
    s.view(&IConfide::viewPresignedCall { _id: hash }).unwrap()
}

/// [`match_outcome`] of orders one of which is closed or used up.
fn exhausted() -> String {
    format!("match reverts {:?}", Some(EXHAUSTED))
}

/// Matches `orders`; returns `matched` or the revert string.
fn match_outcome(s: &mut Session<'_>, orders: &Orders) -> String {
    let call = s.match_orders(orders).unwrap();
    match call.revert() {
        None => "matched".to_owned(),
        Some(_) => format!("match reverts {:?}", reason(&call)),
    }
}

/// The owner's own operations: a presign makes the unsigned order matchable and names the
/// owner; a close (fresh, or after one of three units was used) consumes the whole volume and
/// the order no longer matches.
#[test]
fn owners_presign_and_close_orders_of_every_kind() {
    on_both("owners_presign_and_close_orders_of_every_kind", |s, f| {
        let mut observed = Vec::new();
        for kind in OrderKind::ALL {
            let owner_address = owner(s, kind).address();
            let snapshot = s.evm().snapshot();
            let orders = s.orders(&f.assets(), &Terms::default()).unwrap();

            // Unsigned and not presigned: refused by the match.
            let bare = unsigned(orders.clone(), kind);
            observed.push(format!("{kind} unsigned: {}", match_outcome(s, &bare)));
            let presign = s.manage_order(&bare, kind, OrderOperation::Sign).unwrap();
            assert!(presign.succeeded(), "{kind}: {:?}", presign.revert());
            assert_eq!(presigner(s, &orders, kind), owner_address, "{kind}");
            observed.extend(order_views(s, &orders));
            let matched = match_outcome(s, &bare);
            assert_eq!(matched, "matched", "{kind} presigned");
            observed.extend(order_views(s, &orders));
            s.evm_mut().restore(&snapshot);

            // The owner's own call: the operation's `sign` is not looked at.
            let junk = Bytes::from_static(b"junk");
            let close = s
                .manage_order_from(&orders, kind, OrderOperation::Close, owner_address, junk)
                .unwrap();
            assert!(close.succeeded(), "{kind}: {:?}", close.revert());
            assert_eq!(s.consumed(&orders, kind).unwrap(), U256::from(1));
            observed.extend(order_views(s, &orders));
            assert_eq!(match_outcome(s, &orders), exhausted());
            s.evm_mut().restore(&snapshot);

            // Volume 3, one unit used by a first deal, then closed: the rest goes too.
            let first = sharing(s, f, kind, 1);
            assert_eq!(match_outcome(s, &first), "matched", "{kind}");
            assert_eq!(s.consumed(&first, kind).unwrap(), U256::from(1));
            let close = s.manage_order(&first, kind, OrderOperation::Close).unwrap();
            assert!(close.succeeded(), "{kind}: {:?}", close.revert());
            assert_eq!(s.consumed(&first, kind).unwrap(), U256::from(3));
            let second = sharing(s, f, kind, 2);
            let outcome = match_outcome(s, &second);
            assert_eq!(outcome, exhausted());
            observed.extend(order_views(s, &second));
            s.evm_mut().restore(&snapshot);
        }
        observed
    });
}

/// Without the owner's signature, nobody else may presign or close an order.
#[test]
fn non_owners_cannot_manage_orders_without_a_signature() {
    on_both(
        "non_owners_cannot_manage_orders_without_a_signature",
        |s, f| {
            let orders = s.orders(&f.assets(), &Terms::default()).unwrap();
            let relayer = relayer(s);
            let mut observed = Vec::new();
            for kind in OrderKind::ALL {
                for operation in OPERATIONS {
                    let call = s
                        .manage_order_from(&orders, kind, operation, relayer, Bytes::new())
                        .unwrap();
                    observed.push(format!(
                        "{kind} {}: {:?}",
                        op_name(operation),
                        reason(&call)
                    ));
                    // Confide and PoCo both read the empty `sign` as a malformed signature.
                    assert_reason(&call, "invalid-signature-format");
                }
            }
            observed.extend(order_views(s, &orders));
            observed
        },
    );
}

/// One relayed operation: how its signature is made from the owner's (or another) key.
type Forge = fn(&Session<'_>, &Orders, OrderKind, OrderOperation) -> Bytes;

/// Refusal of a relayed operation whose signature is not the owner's.
const REFUSED: Option<&str> = Some("invalid-sender-or-signature");

/// The relayed operations tried on each kind and operation, and their revert (`None`:
/// accepted).
const RELAYED: [(&str, Option<&str>, Forge); 7] = [
    ("the owner's signature", None, |s, o, k, op| {
        s.sign_operation(o, k, op, &owner(s, k)).unwrap()
    }),
    (
        "the owner's signature, 64-byte EIP-2098",
        None,
        |s, o, k, op| {
            let sign = s.sign_operation(o, k, op, &owner(s, k)).unwrap();
            compact(&Some(sign)).unwrap()
        },
    ),
    ("the relayer's own signature", REFUSED, |s, o, k, op| {
        s.sign_operation(o, k, op, s.actors().worker(0)).unwrap()
    }),
    (
        "the owner's signature of the other operation",
        REFUSED,
        |s, o, k, op| {
            let other = match op {
                OrderOperation::Sign => OrderOperation::Close,
                OrderOperation::Close => OrderOperation::Sign,
            };
            s.sign_operation(o, k, other, &owner(s, k)).unwrap()
        },
    ),
    (
        "the owner's signature with a high s",
        REFUSED,
        |s, o, k, op| high_s(&Some(s.sign_operation(o, k, op, &owner(s, k)).unwrap())).unwrap(),
    ),
    (
        "the owner's signature cut to 63 bytes",
        Some("invalid-signature-format"),
        |s, o, k, op| {
            s.sign_operation(o, k, op, &owner(s, k))
                .unwrap()
                .slice(..63)
        },
    ),
    ("65 zero bytes", REFUSED, |_, _, _, _| {
        Bytes::from(vec![0; 65])
    }),
];

/// Relayed operations: the owner's signature (65 or 64 bytes) is accepted from anyone; a
/// signature by another key, of the other operation, malleable or malformed is refused.
#[test]
fn relayed_operations_need_the_owners_signature() {
    on_both("relayed_operations_need_the_owners_signature", |s, f| {
        let orders = s.orders(&f.assets(), &Terms::default()).unwrap();
        let relayer = relayer(s);
        let mut observed = Vec::new();
        for kind in OrderKind::ALL {
            for operation in OPERATIONS {
                for (how, revert, forge) in RELAYED {
                    let snapshot = s.evm().snapshot();
                    let sign = forge(s, &orders, kind, operation);
                    let call = s
                        .manage_order_from(&orders, kind, operation, relayer, sign)
                        .unwrap();
                    let name = format!("{kind} {} with {how}", op_name(operation));
                    observed.push(format!("{name}: {:?}", reason(&call)));
                    observed.extend(order_views(s, &orders));
                    if let Some(revert) = revert {
                        assert_reason(&call, revert);
                    } else {
                        assert!(call.succeeded(), "{name}: {:?}", call.revert());
                        // It took effect: the unsigned order matches once presigned; once
                        // closed, the signed order no longer does.
                        let outcome = match operation {
                            OrderOperation::Sign => {
                                match_outcome(s, &unsigned(orders.clone(), kind))
                            }
                            OrderOperation::Close => match_outcome(s, &orders),
                        };
                        let expected = match operation {
                            OrderOperation::Sign => "matched".to_owned(),
                            OrderOperation::Close => exhausted(),
                        };
                        assert_eq!(outcome, expected, "{name}");
                    }
                    s.evm_mut().restore(&snapshot);
                }
            }
        }
        observed
    });
}

/// A relayed operation carries no nonce: sending the same signed operation again succeeds
/// again (and emits again). A replayed close after partial use keeps the order closed; a
/// replayed presign after a close does not reopen it.
#[test]
fn replayed_relayed_operations_are_idempotent() {
    on_both("replayed_relayed_operations_are_idempotent", |s, f| {
        let relayer = relayer(s);
        let mut observed = Vec::new();
        for kind in OrderKind::ALL {
            let snapshot = s.evm().snapshot();
            let first = sharing(s, f, kind, 1);
            let key = owner(s, kind);
            let presign = s
                .sign_operation(&first, kind, OrderOperation::Sign, &key)
                .unwrap();
            let close = s
                .sign_operation(&first, kind, OrderOperation::Close, &key)
                .unwrap();
            let mut relay = |s: &mut Session<'_>, operation, sign: &Bytes| -> Call<()> {
                let call = s
                    .manage_order_from(&first, kind, operation, relayer, sign.clone())
                    .unwrap();
                let name = format!("{kind}: relayed {}", op_name(operation));
                observed.push(format!("{name}: {:?}", reason(&call)));
                observed.extend(order_views(s, &first));
                call
            };
            for _ in 0..2 {
                relay(s, OrderOperation::Sign, &presign).ok().unwrap();
            }
            assert_eq!(match_outcome(s, &unsigned(first.clone(), kind)), "matched");
            for _ in 0..2 {
                relay(s, OrderOperation::Close, &close).ok().unwrap();
                assert_eq!(s.consumed(&first, kind).unwrap(), U256::from(3));
            }
            relay(s, OrderOperation::Sign, &presign).ok().unwrap();
            let second = unsigned(sharing(s, f, kind, 2), kind);
            let call = s.match_orders(&second).unwrap();
            assert_reason(&call, EXHAUSTED);
            s.evm_mut().restore(&snapshot);
        }
        observed
    });
}

/// A presign binds the asset's owner of the time: once the asset NFT moves, the old presign no
/// longer admits the unsigned order, the new owner's does; the old owner may no longer manage
/// the order.
#[test]
fn presigns_bind_the_asset_owner_of_the_time() {
    on_both("presigns_bind_the_asset_owner_of_the_time", |s, f| {
        let orders = s.orders(&f.assets(), &Terms::default()).unwrap();
        let heir = s.actors().sponsor.address();
        let p = s.protocol().clone();
        let mut observed = Vec::new();
        for (kind, asset, registry) in [
            (OrderKind::App, f.app, p.app_registry),
            (OrderKind::Dataset, f.dataset, p.dataset_registry),
            (OrderKind::Workerpool, f.workerpool, p.workerpool_registry),
        ] {
            let snapshot = s.evm().snapshot();
            let old = owner(s, kind).address();
            let bare = unsigned(orders.clone(), kind);
            s.manage_order(&bare, kind, OrderOperation::Sign)
                .unwrap()
                .ok()
                .unwrap();
            // The three registries are ERC-721s: one `transferFrom` binding serves all.
            let transfer = IAppRegistry::transferFromCall {
                from: old,
                to: heir,
                tokenId: U256::from_be_slice(asset.as_slice()),
            };
            s.send(format!("transferFrom ({kind})"), old, registry, &transfer)
                .unwrap()
                .ok()
                .unwrap();
            // The unsigned order is no longer presigned by its owner (an empty signature).
            let refused = format!("match reverts {:?}", Some("invalid-signature-format"));
            assert_eq!(match_outcome(s, &bare), refused, "{kind}");
            let stale = s
                .manage_order_from(&bare, kind, OrderOperation::Close, old, Bytes::new())
                .unwrap();
            assert_reason(&stale, "invalid-signature-format");
            s.manage_order_from(&bare, kind, OrderOperation::Sign, heir, Bytes::new())
                .unwrap()
                .ok()
                .unwrap();
            assert_eq!(presigner(s, &orders, kind), heir);
            assert_eq!(match_outcome(s, &bare), "matched", "{kind}");
            observed.extend(order_views(s, &orders));
            s.evm_mut().restore(&snapshot);
        }
        observed
    });
}

/// Orders of an app no registry knows. DIFFERENCE (deliberate): Confide takes an order's owner
/// from its registry, which names nobody for an unregistered app, so neither the developer nor a
/// relayer may manage the order; PoCo asks the app's own `owner()`, so it lets `impostor`'s
/// developer presign and close, and reverts without a reason on a codeless address. Harmless:
/// such an order never matches on either (0x20).
#[test]
fn orders_of_unregistered_apps_cannot_be_managed_on_confide() {
    on_both(
        "orders_of_unregistered_apps_cannot_be_managed_on_confide",
        |s, f| {
            let (key, relayer) = (owner(s, OrderKind::App), relayer(s));
            for (app, answers_owner) in [(f.impostor, true), (Address::repeat_byte(0x5a), false)] {
                let mut draft = OrderDraft::new(&f.assets(), &Terms::default(), key.address());
                draft.app.app = app;
                let orders = s.sign_orders(draft).unwrap();
                s.name_orders(&orders);
                for operation in OPERATIONS {
                    let sign = s
                        .sign_operation(&orders, OrderKind::App, operation, &key)
                        .unwrap();
                    for (from, sign, confide) in [
                        (key.address(), Bytes::new(), "invalid-signature-format"),
                        (relayer, sign, "invalid-sender-or-signature"),
                    ] {
                        let label = format!("{DIFFERS}manageAppOrder ({})", op_name(operation));
                        let data = orders.manage_calldata(OrderKind::App, operation, sign);
                        let to = s.protocol().address;
                        let call = s.send_calldata(label, from, to, data).unwrap();
                        if is_confide(s) {
                            assert_reason(&call, confide);
                        } else if answers_owner {
                            assert!(call.succeeded(), "{:?}", call.revert());
                        } else {
                            assert!(
                                matches!(call.revert(), Some(Revert::Empty)),
                                "{:?}",
                                call.revert()
                            );
                        }
                    }
                }
                let (consumed, presigner) = (
                    s.consumed(&orders, OrderKind::App).unwrap(),
                    presigner(s, &orders, OrderKind::App),
                );
                if is_confide(s) || !answers_owner {
                    assert_eq!((consumed, presigner), (U256::ZERO, Address::ZERO));
                } else {
                    assert_eq!((consumed, presigner), (U256::from(1), key.address()));
                }
            }
        },
    );
}
