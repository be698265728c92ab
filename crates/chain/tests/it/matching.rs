//! `matchOrders` on both implementations (poco.md §2): one case per revert code, the dataset
//! tag's framework mask, restrictions by address and by ERC-734 group, the null dataset order,
//! funds, signature formats, ERC-1271 identities and sponsored deals. Every case asserts the
//! exact outcome on each implementation and compares the calls' events and the views (deal,
//! consumed and presigned volumes, accounts, total supply).

use crate::compare::{
    DIFFERS, Fixture, REQUESTER_DEPOSIT, accounts, assert_reason, deal_view, deploy_test_contract,
    is_confide, on_both, order_views, reason,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue};
use confide_chain::artifacts::bindings::test_erc734_group::TestERC734Group;
use confide_chain::artifacts::bindings::test_erc1271_signer::TestERC1271Signer;
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide, IERC20};
use confide_chain::evm::Revert;
use confide_chain::scenario::{
    Call, OrderDraft, OrderOperation, Orders, RLC, Session, Terms, task_status,
};
use confide_protocol::signature::{EcdsaSignature, SECP256K1_N};
use confide_protocol::tag::TagBit;
use confide_protocol::{DatasetOrder, OrderKind, SignedOrder, Tag};

/// An unregistered address standing for an app, dataset or workerpool, or a foreign account
/// in a restriction.
const STRANGER: Address = Address::repeat_byte(0x5a);

/// What a case does to the orders before they are signed.
type DraftEdit = fn(&mut OrderDraft, &Fixture);
/// What a case does to the signed orders.
type SignedEdit = fn(&mut Orders, &Session<'_>);

/// One `matchOrders` case: the standard orders (app, dataset, pool; default terms) edited.
struct Case {
    name: &'static str,
    /// The revert string on both implementations; `None`: the match succeeds.
    revert: Option<&'static str>,
    draft: DraftEdit,
    signed: SignedEdit,
}

const fn case(name: &'static str, revert: Option<&'static str>, draft: DraftEdit) -> Case {
    Case {
        name,
        revert,
        draft,
        signed: |_, _| {},
    }
}

const fn signed(name: &'static str, revert: Option<&'static str>, signed: SignedEdit) -> Case {
    Case {
        name,
        revert,
        draft: |_, _| {},
        signed,
    }
}

fn code(code: &str) -> String {
    format!("iExecV5-matchOrders-{code}")
}

/// No dataset: the null dataset order, and a request without dataset.
fn without_dataset(d: &mut OrderDraft) {
    d.dataset = None;
    d.request.dataset = Address::ZERO;
    d.request.datasetmaxprice = U256::ZERO;
}

fn tag(bits: &[TagBit]) -> B256 {
    Tag::from_bits(bits).0
}

/// The 64-byte EIP-2098 form of a 65-byte signature.
pub(crate) fn compact(sign: &Option<Bytes>) -> Option<Bytes> {
    let sign = EcdsaSignature::from_bytes(sign.as_ref().unwrap()).unwrap();
    Some(Bytes::copy_from_slice(&sign.to_compact_bytes()))
}

/// The same signature with `s` replaced by `n - s` (and `v` flipped): valid for ECDSA, refused
/// as malleable.
pub(crate) fn high_s(sign: &Option<Bytes>) -> Option<Bytes> {
    let mut bytes = sign.as_ref().unwrap().to_vec();
    let s = U256::from_be_slice(&bytes[32..64]);
    bytes[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
    bytes[64] ^= 1;
    Some(bytes.into())
}

/// The signature with `v` as 0/1 instead of 27/28.
fn raw_v(sign: &Option<Bytes>) -> Option<Bytes> {
    let mut bytes = sign.as_ref().unwrap().to_vec();
    bytes[64] -= 27;
    Some(bytes.into())
}

/// Re-signs the app order with the requester's key.
fn wrong_app_signer(o: &mut Orders, s: &Session<'_>) {
    o.app = SignedOrder::sign(o.app.order.clone(), s.domain(), &s.actors().requester).unwrap();
}

fn cases() -> Vec<Case> {
    vec![
        case("a match with a dataset", None, |_, _| {}),
        case("no dataset (the null dataset order)", None, |d, _| {
            without_dataset(d);
        }),
        Case {
            name: "no dataset: the null order's sign is not checked",
            revert: None,
            draft: |d, _| without_dataset(d),
            signed: |o, _| o.dataset.sign = Some(Bytes::from(vec![7; 63])),
        },
        case(
            "no dataset: a priced null order (0x04)",
            Some("0x04"),
            |d, _| {
                without_dataset(d);
                d.dataset = Some(DatasetOrder {
                    datasetprice: U256::from(1),
                    ..DatasetOrder::null()
                });
            },
        ),
        case(
            "distinct volumes: the deal takes the smallest remainder",
            None,
            |d, _| {
                d.app.volume = U256::from(5);
                d.dataset.as_mut().unwrap().volume = U256::from(3);
                d.workerpool.volume = U256::from(4);
                d.request.volume = U256::from(6);
            },
        ),
        case(
            "request category ≠ workerpool category",
            Some("0x00"),
            |d, _| {
                d.request.category = U256::from(1);
            },
        ),
        case("category does not exist", Some("0x01"), |d, _| {
            d.request.category = U256::from(5);
            d.workerpool.category = U256::from(5);
        }),
        case("request trust above the pool's", Some("0x02"), |d, _| {
            d.request.trust = U256::from(2);
            d.workerpool.trust = U256::from(1);
        }),
        case("app price above the request's max", Some("0x03"), |d, _| {
            d.request.appmaxprice -= U256::from(1);
        }),
        case(
            "dataset price above the request's max",
            Some("0x04"),
            |d, _| {
                d.request.datasetmaxprice -= U256::from(1);
            },
        ),
        case(
            "workerpool price above the request's max",
            Some("0x05"),
            |d, _| {
                d.request.workerpoolmaxprice -= U256::from(1);
            },
        ),
        case("a tag bit the pool does not offer", Some("0x06"), |d, _| {
            d.request.tag = tag(&[TagBit::Gpu]);
        }),
        case(
            "a dataset tag bit the pool does not offer",
            Some("0x06"),
            |d, _| {
                d.dataset.as_mut().unwrap().tag = tag(&[TagBit::Gpu]);
            },
        ),
        case(
            "TEE required by the request, app not TEE",
            Some("0x07"),
            |d, _| {
                d.request.tag = tag(&[TagBit::Tee]);
                d.workerpool.tag = tag(&[TagBit::Tee]);
            },
        ),
        case(
            "TEE required by the dataset, app not TEE",
            Some("0x07"),
            |d, _| {
                d.dataset.as_mut().unwrap().tag = tag(&[TagBit::Tee]);
                d.workerpool.tag = tag(&[TagBit::Tee]);
            },
        ),
        case("request for another app", Some("0x10"), |d, f| {
            d.request.app = f.tee_app;
        }),
        case("request for another dataset", Some("0x11"), |d, _| {
            d.request.dataset = STRANGER;
        }),
        case(
            "no dataset, app order restricted to a dataset",
            Some("0x13"),
            |d, f| {
                without_dataset(d);
                d.app.datasetrestrict = f.dataset;
            },
        ),
        case(
            "no dataset, workerpool order restricted to a dataset",
            Some("0x1a"),
            |d, f| {
                without_dataset(d);
                d.workerpool.datasetrestrict = f.dataset;
            },
        ),
        case("unregistered app", Some("0x20"), |d, f| {
            d.app.app = f.impostor;
            d.request.app = f.impostor;
        }),
        signed(
            "app order signed by another key",
            Some("0x21"),
            wrong_app_signer,
        ),
        case("unregistered dataset", Some("0x30"), |d, f| {
            d.dataset.as_mut().unwrap().dataset = f.impostor;
            d.request.dataset = f.impostor;
        }),
        signed(
            "dataset order signed by another key",
            Some("0x31"),
            |o, s| {
                let order = o.dataset.order.clone();
                o.dataset = SignedOrder::sign(order, s.domain(), &s.actors().requester).unwrap();
            },
        ),
        case("unregistered workerpool", Some("0x40"), |d, f| {
            d.workerpool.workerpool = f.impostor;
            d.request.workerpool = f.impostor;
        }),
        signed(
            "workerpool order signed by another key",
            Some("0x41"),
            |o, s| {
                let order = o.workerpool.order.clone();
                o.workerpool = SignedOrder::sign(order, s.domain(), &s.actors().requester).unwrap();
            },
        ),
        signed(
            "request order signed by another key",
            Some("0x50"),
            |o, s| {
                let order = o.request.order.clone();
                o.request = SignedOrder::sign(order, s.domain(), &s.actors().scheduler).unwrap();
            },
        ),
        case("request volume 0", Some("0x60"), |d, _| {
            d.request.volume = U256::ZERO;
        }),
        case("dataset volume 0", Some("0x60"), |d, _| {
            d.dataset.as_mut().unwrap().volume = U256::ZERO;
        }),
        // Signature formats (poco.md §1.5).
        signed("64-byte EIP-2098 signatures", None, |o, _| {
            o.app.sign = compact(&o.app.sign);
            o.dataset.sign = compact(&o.dataset.sign);
            o.workerpool.sign = compact(&o.workerpool.sign);
            o.request.sign = compact(&o.request.sign);
        }),
        signed("high-s request signature", Some("0x50"), |o, _| {
            o.request.sign = high_s(&o.request.sign);
        }),
        signed("high-s app signature (64 bytes)", Some("0x21"), |o, _| {
            let high = high_s(&o.app.sign).unwrap();
            // EIP-2098 cannot carry a high s (bit 255 is the parity): r ‖ s with s ≥ n/2.
            o.app.sign = Some(Bytes::copy_from_slice(&high[..64]));
        }),
        signed("v = 0/1 instead of 27/28", Some("0x50"), |o, _| {
            o.request.sign = raw_v(&o.request.sign);
        }),
        signed(
            "63-byte request signature",
            Some("invalid-signature-format"),
            |o, _| {
                let sign = o.request.sign.as_ref().unwrap();
                o.request.sign = Some(sign.slice(..63));
            },
        ),
        signed(
            "empty app signature, not presigned",
            Some("invalid-signature-format"),
            |o, _| o.app.sign = None,
        ),
        signed(
            "66-byte workerpool signature",
            Some("invalid-signature-format"),
            |o, _| {
                let mut sign = o.workerpool.sign.as_ref().unwrap().to_vec();
                sign.push(0);
                o.workerpool.sign = Some(sign.into());
            },
        ),
        // Funds (locked at the match).
        signed(
            "requester without deposit",
            Some("IexecEscrow: Transfer amount exceeds balance"),
            |o, s| {
                let poor = s.actors().worker(0);
                let mut order = o.request.order.clone();
                order.requester = poor.address();
                order.beneficiary = poor.address();
                o.request = SignedOrder::sign(order, s.domain(), poor).unwrap();
            },
        ),
        case(
            "scheduler stake above its deposit",
            Some("IexecEscrow: Transfer amount exceeds balance"),
            |d, _| {
                // 30 % of 10,000 RLC > the scheduler's 1,000 RLC.
                d.workerpool.workerpoolprice = U256::from(10_000 * RLC);
                d.request.workerpoolmaxprice = U256::from(10_000 * RLC);
            },
        ),
        case("requester's whole deposit", None, |d, _| {
            d.app.appprice = U256::from(REQUESTER_DEPOSIT - 7 * RLC);
            d.request.appmaxprice = d.app.appprice;
        }),
        case(
            "one nRLC above the requester's deposit",
            Some("IexecEscrow: Transfer amount exceeds balance"),
            |d, _| {
                d.app.appprice = U256::from(REQUESTER_DEPOSIT - 7 * RLC + 1);
                d.request.appmaxprice = d.app.appprice;
            },
        ),
    ]
}

/// The full revert string a case expects.
fn expected(revert: &str) -> String {
    if revert.starts_with("0x") {
        code(revert)
    } else {
        revert.to_owned()
    }
}

/// Matches `orders` on a snapshot and returns to it; asserts the outcome and returns what was
/// observed (outcome, deal, consumed volumes, accounts).
fn try_match(
    s: &mut Session<'_>,
    name: &str,
    orders: &Orders,
    revert: Option<&str>,
    extra: &[Address],
) -> Vec<String> {
    let requester = orders.request.order.requester;
    try_match_from(s, name, orders, revert, extra, requester)
}

/// Like [`try_match`], sent by `from` (a requester that is a contract cannot send itself).
fn try_match_from(
    s: &mut Session<'_>,
    name: &str,
    orders: &Orders,
    revert: Option<&str>,
    extra: &[Address],
    from: Address,
) -> Vec<String> {
    let snapshot = s.evm().snapshot();
    let call: Call<B256> = s.match_orders_from(orders, from).unwrap();
    let mut observed = vec![format!("{name}: {:?}", reason(&call))];
    match revert {
        Some(revert) => assert_reason(&call, &expected(revert)),
        None => {
            assert!(call.succeeded(), "{name}: {:?}", call.revert());
            observed.push(deal_view(s, call.returned.unwrap()));
        }
    }
    observed.extend(order_views(s, orders));
    observed.extend(accounts(s, extra));
    s.evm_mut().restore(&snapshot);
    observed
}

#[test]
fn every_match_orders_case_behaves_as_poco() {
    on_both("every_match_orders_case_behaves_as_poco", |s, f| {
        let requester = s.actors().requester.address();
        let mut observed = Vec::new();
        for case in cases() {
            let mut draft = OrderDraft::new(&f.assets(), &Terms::default(), requester);
            (case.draft)(&mut draft, f);
            let mut orders = s.sign_orders(draft).unwrap();
            (case.signed)(&mut orders, s);
            observed.extend(try_match(s, case.name, &orders, case.revert, &[]));
        }
        // An app address without code. DIFFERENCE (deliberate): Confide asks its registry and
        // reverts 0x20; PoCo calls `owner()` on it first and reverts without a reason.
        let mut draft = OrderDraft::new(&f.assets(), &Terms::default(), requester);
        draft.app.app = STRANGER;
        draft.request.app = STRANGER;
        let orders = s.sign_orders(draft).unwrap();
        let label = format!("{DIFFERS}matchOrders (codeless app)");
        let call = s
            .send_protocol(label, requester, &orders.match_call())
            .unwrap();
        if is_confide(s) {
            assert_reason(&call, &code("0x20"));
        } else {
            assert!(
                matches!(call.revert(), Some(Revert::Empty)),
                "{:?}",
                call.revert()
            );
        }
        observed
    });
}

/// The twelve restriction checks: code, the field, and the account it must admit.
type Restrict = fn(&mut OrderDraft, Address);
const RESTRICTIONS: [(&str, &str, Restrict); 10] = [
    ("0x12", "request.workerpool", |d, r| {
        d.request.workerpool = r
    }),
    ("0x13", "app.datasetrestrict", |d, r| {
        d.app.datasetrestrict = r
    }),
    ("0x14", "app.workerpoolrestrict", |d, r| {
        d.app.workerpoolrestrict = r;
    }),
    ("0x15", "app.requesterrestrict", |d, r| {
        d.app.requesterrestrict = r;
    }),
    ("0x16", "dataset.apprestrict", |d, r| {
        d.dataset.as_mut().unwrap().apprestrict = r;
    }),
    ("0x17", "dataset.workerpoolrestrict", |d, r| {
        d.dataset.as_mut().unwrap().workerpoolrestrict = r;
    }),
    ("0x18", "dataset.requesterrestrict", |d, r| {
        d.dataset.as_mut().unwrap().requesterrestrict = r;
    }),
    ("0x19", "workerpool.apprestrict", |d, r| {
        d.workerpool.apprestrict = r;
    }),
    ("0x1a", "workerpool.datasetrestrict", |d, r| {
        d.workerpool.datasetrestrict = r;
    }),
    ("0x1b", "workerpool.requesterrestrict", |d, r| {
        d.workerpool.requesterrestrict = r;
    }),
];

/// Which account a restriction must admit (the restricted field's counterpart).
fn restricted(code: &str, f: &Fixture, requester: Address) -> Address {
    match code {
        "0x12" | "0x14" | "0x17" => f.workerpool,
        "0x13" | "0x1a" => f.dataset,
        "0x16" | "0x19" => f.app,
        _ => requester,
    }
}

/// Deploys three ERC-734 groups: `group:members` (app, dataset, pool and requester are
/// members), `group:empty` and `group:reverting`.
fn deploy_groups(s: &mut Session<'_>, f: &Fixture) -> [Address; 3] {
    let owner = s.actors().owner.address();
    let members = deploy_test_contract(s, "TestERC734Group", &[], "group:members");
    let empty = deploy_test_contract(s, "TestERC734Group", &[], "group:empty");
    let reverting = deploy_test_contract(s, "TestERC734Group", &[], "group:reverting");
    for account in [
        f.app,
        f.dataset,
        f.workerpool,
        s.actors().requester.address(),
    ] {
        let call = TestERC734Group::addMemberCall { account };
        s.send("addMember", owner, members, &call)
            .unwrap()
            .ok()
            .unwrap();
    }
    let call = TestERC734Group::setRevertingCall { on: true };
    s.send("setReverting", owner, reverting, &call)
        .unwrap()
        .ok()
        .unwrap();
    [members, empty, reverting]
}

/// Each restriction field set to the exact account (matches), another account (its code), an
/// ERC-734 group of which the account is a member (matches), an empty group and a reverting
/// group (its code); then every field at once, by address and by group.
#[test]
fn restrictions_by_address_and_by_erc734_group_behave_as_poco() {
    on_both(
        "restrictions_by_address_and_by_erc734_group_behave_as_poco",
        |s, f| {
            let requester = s.actors().requester.address();
            let [members, empty, reverting] = deploy_groups(s, f);
            let mut observed = Vec::new();
            for (code, field, restrict) in RESTRICTIONS {
                let exact = restricted(code, f, requester);
                for (how, restriction, revert) in [
                    ("the exact account", exact, None),
                    ("another account", STRANGER, Some(code)),
                    ("a group with the account", members, None),
                    ("an empty group", empty, Some(code)),
                    ("a reverting group", reverting, Some(code)),
                ] {
                    let mut draft = OrderDraft::new(&f.assets(), &Terms::default(), requester);
                    restrict(&mut draft, restriction);
                    let orders = s.sign_orders(draft).unwrap();
                    let name = format!("{field} = {how}");
                    observed.extend(try_match(s, &name, &orders, revert, &[]));
                }
            }
            for (how, by_account) in [("accounts", true), ("the member group", false)] {
                let mut draft = OrderDraft::new(&f.assets(), &Terms::default(), requester);
                for (code, _, restrict) in RESTRICTIONS {
                    let r = if by_account {
                        restricted(code, f, requester)
                    } else {
                        members
                    };
                    restrict(&mut draft, r);
                }
                let orders = s.sign_orders(draft).unwrap();
                let name = format!("every restriction set to {how}");
                observed.extend(try_match(s, &name, &orders, None, &[]));
            }
            observed
        },
    );
}

/// TEE tags: a TDX deal, a bare-TEE dataset order on a TDX pool, and an SGX-tagged (Scone,
/// Gramine) dataset order on a TDX pool, which the framework mask admits.
#[test]
fn tee_tags_and_the_dataset_framework_mask() {
    on_both("tee_tags_and_the_dataset_framework_mask", |s, f| {
        let requester = s.actors().requester.address();
        let mut observed = Vec::new();
        let tdx = OrderDraft::new(&f.tee(), &Terms::tee(), requester);
        let orders = s.sign_orders(tdx.clone()).unwrap();
        observed.extend(try_match(
            s,
            "TDX deal, bare-TEE dataset order",
            &orders,
            None,
            &[],
        ));
        let mut tdx_dataset = tdx.clone();
        tdx_dataset.dataset.as_mut().unwrap().tag = tag(&[TagBit::Tee, TagBit::Tdx]);
        let orders = s.sign_orders(tdx_dataset).unwrap();
        observed.extend(try_match(
            s,
            "TDX deal, TDX dataset order",
            &orders,
            None,
            &[],
        ));
        // A framework bit outside the dataset order still counts.
        let mut scone_request = tdx.clone();
        scone_request.request.tag = tag(&[TagBit::Tee, TagBit::Scone]);
        let orders = s.sign_orders(scone_request).unwrap();
        observed.extend(try_match(
            s,
            "Scone request on a TDX pool",
            &orders,
            Some("0x06"),
            &[],
        ));

        // The dataset's framework bits are masked since PoCo v6.2 (poco.md §1.6, Confide's
        // `MatchCore.DATASET_TAG_MASK`); the reference PoCo 6.1.0 still requires the pool to
        // offer them. DIFFERENCE (deliberate, Confide follows v6.2): the match succeeds on
        // Confide and reverts 0x06 on PoCo 6.1.0.
        for framework in [TagBit::Scone, TagBit::Gramine] {
            let mut sgx = tdx.clone();
            sgx.dataset.as_mut().unwrap().tag = tag(&[TagBit::Tee, framework]);
            let orders = s.sign_orders(sgx).unwrap();
            let snapshot = s.evm().snapshot();
            let label = format!("{DIFFERS}matchOrders (SGX dataset order on a TDX pool)");
            let from = s.actors().requester.address();
            let call = s.send_protocol(label, from, &orders.match_call()).unwrap();
            if is_confide(s) {
                assert!(call.succeeded(), "{:?}", call.revert());
                let deal = s.deal(call.returned.unwrap()).unwrap();
                // The deal's tag is the app's and the request's (TDX), without the dataset's
                // framework bit.
                assert_eq!(deal.tag, tag(&[TagBit::Tee, TagBit::Tdx]));
            } else {
                assert_reason(&call, &code("0x06"));
            }
            s.evm_mut().restore(&snapshot);
        }
        observed
    });
}

/// ERC-1271 identities: a requester that is a smart-contract wallet (deposits and presigns
/// through `execute`, or its owner's key signs), and an app owned by a wallet; the wallet's
/// answers (verify, reject, revert, accept anything) decide.
#[test]
fn erc1271_requesters_and_asset_owners_behave_as_poco() {
    on_both(
        "erc1271_requesters_and_asset_owners_behave_as_poco",
        |s, f| {
            let a = s.actors().clone();
            let (requester, developer) = (a.requester.address(), a.app_developer.address());
            let (protocol, token) = (s.protocol().address, s.protocol().token);
            let wallet = deploy_test_contract(
                s,
                "TestERC1271Signer",
                &requester.abi_encode(),
                "wallet:requester",
            );
            let app_wallet = deploy_test_contract(
                s,
                "TestERC1271Signer",
                &developer.abi_encode(),
                "wallet:app-developer",
            );
            let execute =
                |s: &mut Session<'_>, label: &str, owner, wallet, target, data: Vec<u8>| {
                    let call = TestERC1271Signer::executeCall {
                        target,
                        data: data.into(),
                    };
                    s.send(label, owner, wallet, &call).unwrap()
                };
            let set_mode = |s: &mut Session<'_>, owner, wallet, mode: u8| {
                let call = TestERC1271Signer::setModeCall { newMode: mode };
                s.send("setMode", owner, wallet, &call)
                    .unwrap()
                    .ok()
                    .unwrap();
            };
            // The wallet deposits 100 RLC through `execute`.
            let amount = U256::from(100 * RLC);
            s.fund(wallet, amount).unwrap();
            let approve = IERC20::approveCall {
                spender: protocol,
                value: amount,
            };
            execute(
                s,
                "wallet: RLC.approve",
                requester,
                wallet,
                token,
                approve.abi_encode(),
            )
            .ok()
            .unwrap();
            let deposit = IConfide::depositCall(amount);
            execute(
                s,
                "wallet: deposit",
                requester,
                wallet,
                protocol,
                deposit.abi_encode(),
            )
            .ok()
            .unwrap();

            let mut observed = accounts(s, &[wallet]);
            let draft = |salt: u64| {
                OrderDraft::new(
                    &f.assets(),
                    &Terms {
                        salt,
                        ..Terms::default()
                    },
                    wallet,
                )
            };
            // Signed by the wallet owner's key (the requester's), checked through ERC-1271.
            let orders = s.sign_orders(draft(1)).unwrap();
            for (mode, name, revert) in [
                (0, "wallet verifies its owner's signature", None),
                (1, "wallet rejects", Some("0x50")),
                (2, "wallet reverts", Some("0x50")),
            ] {
                set_mode(s, requester, wallet, mode);
                observed.push(format!(
                    "verifySignature: {:?}",
                    crate::compare::try_view(
                        s,
                        &IConfide::verifySignatureCall {
                            _0: wallet,
                            _1: orders.hashes(s.domain())[3],
                            _2: orders.request.sign.clone().unwrap(),
                        }
                    )
                ));
                observed.extend(try_match_from(
                    s,
                    name,
                    &orders,
                    revert,
                    &[wallet],
                    requester,
                ));
            }
            // Any signature format is handed to the wallet.
            set_mode(s, requester, wallet, 3);
            let mut odd = s.sign_orders(draft(2)).unwrap();
            odd.request.sign = Some(Bytes::from_static(b"any"));
            observed.extend(try_match_from(
                s,
                "wallet accepts anything",
                &odd,
                None,
                &[wallet],
                requester,
            ));
            set_mode(s, requester, wallet, 1);
            observed.extend(try_match_from(
                s,
                "wallet rejects a 3-byte signature",
                &odd,
                Some("0x50"),
                &[wallet],
                requester,
            ));
            // Presigned through `execute`: no signature needed, whatever the wallet answers.
            let mut presigned = s.sign_orders(draft(3)).unwrap();
            presigned.request.sign = None;
            let manage =
                presigned.manage_calldata(OrderKind::Request, OrderOperation::Sign, Bytes::new());
            s.name_orders(&presigned);
            execute(
                s,
                "wallet: manageRequestOrder",
                requester,
                wallet,
                protocol,
                manage.to_vec(),
            )
            .ok()
            .unwrap();
            observed.extend(try_match_from(
                s,
                "request presigned by the wallet",
                &presigned,
                None,
                &[wallet],
                requester,
            ));

            // The app NFT moves to a wallet of the developer: the developer's key still signs,
            // through the wallet.
            let transfer = IAppRegistry::transferFromCall {
                from: developer,
                to: app_wallet,
                tokenId: U256::from_be_slice(f.app.as_slice()),
            };
            let registry = s.protocol().app_registry;
            s.send("transferFrom (app)", developer, registry, &transfer)
                .unwrap()
                .ok()
                .unwrap();
            let orders = s.orders(&f.assets(), &Terms::default()).unwrap();
            for (mode, name, revert) in [
                (0, "app wallet verifies", None),
                (1, "app wallet rejects", Some("0x21")),
                (2, "app wallet reverts", Some("0x21")),
            ] {
                set_mode(s, developer, app_wallet, mode);
                observed.extend(try_match(s, name, &orders, revert, &[wallet, app_wallet]));
            }
            // Relayed operation signed by the developer's key, verified by the app wallet.
            set_mode(s, developer, app_wallet, 0);
            let sign = s
                .sign_operation(
                    &orders,
                    OrderKind::App,
                    OrderOperation::Close,
                    &a.app_developer,
                )
                .unwrap();
            let relayed = s
                .manage_order_from(
                    &orders,
                    OrderKind::App,
                    OrderOperation::Close,
                    requester,
                    sign,
                )
                .unwrap();
            assert!(relayed.succeeded(), "{:?}", relayed.revert());
            observed.extend(try_match(
                s,
                "app order closed by the wallet",
                &orders,
                Some("0x60"),
                &[],
            ));
            observed
        },
    );
}

/// `sponsorMatchOrders` by another account: `DealSponsored`, the sponsor's funds locked, then
/// seized for a completed task and refunded for a claimed one; the requester pays nothing.
#[test]
fn sponsored_deals_lock_and_use_the_sponsors_funds() {
    on_both("sponsored_deals_lock_and_use_the_sponsors_funds", |s, f| {
        let a = s.actors().clone();
        let (sponsor, worker) = (a.sponsor.address(), a.worker(0).address());
        s.fund_and_deposit(worker, U256::from(10 * RLC)).unwrap();
        let terms = Terms {
            volume: U256::from(2),
            ..Terms::tee()
        };
        let orders = s.orders(&f.tee(), &terms).unwrap();
        let deal = s
            .sponsor_match_orders(&orders, sponsor)
            .unwrap()
            .value()
            .unwrap();
        let mut observed = vec![deal_view(s, deal)];
        observed.extend(accounts(s, &[]));
        // A sponsor without enough funds.
        let poor = s
            .sponsor_match_orders(
                &s.orders(
                    &f.tee(),
                    &Terms {
                        salt: 9,
                        volume: U256::from(1000),
                        ..Terms::tee()
                    },
                )
                .unwrap(),
                sponsor,
            )
            .unwrap();
        assert_reason(&poor, "IexecEscrow: Transfer amount exceeds balance");
        // Task 0 completes (the sponsor's lock is seized and paid out), task 1 is claimed (the
        // sponsor is refunded).
        let t0 = s.initialize(deal, 0).unwrap().value().unwrap();
        let digest = s.result_digest(t0, 0);
        s.contribute_and_finalize(t0, worker, digest, Bytes::new(), true)
            .unwrap()
            .ok()
            .unwrap();
        observed.extend(accounts(s, &[]));
        let t1 = s.initialize(deal, 1).unwrap().value().unwrap();
        s.pass_final_deadline(t1).unwrap();
        s.claim(t1, a.requester.address()).unwrap().ok().unwrap();
        assert_eq!(s.task(t1).unwrap().status, task_status::FAILED);
        observed.extend(accounts(s, &[]));
        observed.extend(order_views(s, &orders));
        observed
    });
}
