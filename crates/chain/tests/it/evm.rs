//! The in-process EVM: deployment, transactions, revert decoding, clock, snapshots.

use crate::support::{addr, deploy_token, raw_contract};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{PanicKind, SolCall, SolValue};
use confide_chain::artifacts::bindings::{IERC20, confide::Confide};
use confide_chain::evm::Tx;
use confide_chain::{Evm, EvmConfig, EvmError, Revert};

/// Runtime code returning `(block.timestamp, block.number, block.chainid)`.
const CLOCK: &[u8] = &[
    0x42, 0x5f, 0x52, // TIMESTAMP PUSH0 MSTORE
    0x43, 0x60, 0x20, 0x52, // NUMBER PUSH1 32 MSTORE
    0x46, 0x60, 0x40, 0x52, // CHAINID PUSH1 64 MSTORE
    0x60, 0x60, 0x5f, 0xf3, // PUSH1 96 PUSH0 RETURN
];

fn clock(evm: &mut Evm, at: Address) -> (u64, u64, u64) {
    let out = evm
        .call(addr(9), at, Bytes::new())
        .unwrap()
        .ok()
        .unwrap()
        .output;
    let (t, n, c) = <(U256, U256, U256)>::abi_decode_params(&out).unwrap();
    (t.to(), n.to(), c.to())
}

#[test]
fn deploys_transacts_and_decodes_events() {
    let mut evm = Evm::default();
    let owner = addr(1);
    let token = deploy_token(&mut evm, owner);
    assert!(!evm.code(token).is_empty());
    assert_eq!(evm.nonce(owner), 1);

    let call = IERC20::transferCall {
        to: addr(2),
        value: U256::from(5),
    };
    let outcome = evm
        .transact(owner, token, call.abi_encode())
        .unwrap()
        .ok()
        .unwrap();
    assert!(outcome.success);
    assert!(outcome.decode::<IERC20::transferCall>().unwrap());
    assert!(outcome.gas_used > 21_000 && outcome.gas_used < 100_000);
    let transfers = outcome.events::<IERC20::Transfer>();
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0].address, token);
    assert_eq!(
        (transfers[0].from, transfers[0].to, transfers[0].value),
        (owner, addr(2), U256::from(5))
    );
    let balance = IERC20::balanceOfCall { account: addr(2) };
    assert_eq!(evm.view(token, &balance).unwrap(), U256::from(5));
    assert_eq!(evm.nonce(owner), 2);

    // A plain value transfer costs the intrinsic 21 000 gas.
    evm.fund(owner, U256::from(1_000));
    let outcome = evm
        .execute(Tx {
            from: owner,
            to: Some(addr(3)),
            value: U256::from(400),
            ..Tx::default()
        })
        .unwrap();
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(evm.balance(addr(3)), U256::from(400));
    assert_eq!(evm.balance(owner), U256::from(600));
}

#[test]
fn decodes_the_three_kinds_of_revert() {
    let mut evm = Evm::default();
    let owner = addr(1);

    // Error(string): registries refuse ENS names with PoCo's message.
    alloy_sol_types::sol! {
        function setName(address ens, string name);
    }
    let code = confide_chain::artifacts::get("AppRegistry")
        .unwrap()
        .bytecode()
        .unwrap()
        .to_vec();
    let registry = evm.deploy(owner, code).unwrap();
    let call = setNameCall {
        ens: addr(2),
        name: "x.eth".into(),
    };
    let outcome = evm.transact(owner, registry, call.abi_encode()).unwrap();
    assert!(!outcome.success);
    assert!(outcome.logs.is_empty());
    let message = "Operation not supported on this chain";
    assert_eq!(outcome.revert, Some(Revert::Error(message.into())));
    let nonce = evm.nonce(owner);
    let err = outcome.ok().unwrap_err();
    assert!(
        matches!(&err, EvmError::Reverted { to: Some(t), .. } if *t == registry),
        "{err}"
    );
    assert!(err.to_string().contains(message), "{err}");
    assert_eq!(
        evm.transact(owner, registry, call.abi_encode())
            .unwrap()
            .revert,
        Some(Revert::Error(message.into()))
    );
    assert_eq!(
        evm.nonce(owner),
        nonce + 1,
        "a reverted transaction spends its nonce"
    );

    // A custom error with arguments: OpenZeppelin's ERC20InsufficientBalance from RLC.
    let token = deploy_token(&mut evm, owner);
    let transfer = IERC20::transferCall {
        to: addr(2),
        value: U256::MAX,
    };
    let outcome = evm.transact(addr(3), token, transfer.abi_encode()).unwrap();
    let Some(Revert::Custom { selector, data }) = &outcome.revert else {
        panic!("{:?}", outcome.revert)
    };
    assert_eq!(
        selector.as_slice(),
        &alloy_primitives::keccak256("ERC20InsufficientBalance(address,uint256,uint256)")[..4]
    );
    assert_eq!(data.len(), 96);

    // A custom error: the router without modules knows no function.
    let mut code = confide_chain::artifacts::get("Confide")
        .unwrap()
        .bytecode()
        .unwrap()
        .to_vec();
    code.extend((owner, Vec::<Address>::new(), Vec::<Vec<[u8; 4]>>::new()).abi_encode_params());
    let router = evm.deploy(owner, code).unwrap();
    let outcome = evm
        .call(owner, router, IERC20::totalSupplyCall {}.abi_encode())
        .unwrap();
    let revert = outcome.revert.unwrap();
    let Revert::Custom { selector, .. } = &revert else {
        panic!("{revert}")
    };
    assert_eq!(
        selector.0,
        <Confide::FunctionNotFound as alloy_sol_types::SolError>::SELECTOR
    );
    let decoded = revert.custom::<Confide::FunctionNotFound>().unwrap();
    assert_eq!(decoded.selector.0, IERC20::totalSupplyCall::SELECTOR);
    assert!(matches!(
        revert.custom_in::<Confide::ConfideErrors>(),
        Some(Confide::ConfideErrors::FunctionNotFound(_))
    ));

    // Panic(uint256): a contract reverting with Panic(0x11).
    let mut panic = vec![0x7f, 0x4e, 0x48, 0x7b, 0x71];
    panic.extend([0; 28]);
    panic.extend([
        0x5f, 0x52, 0x60, 0x11, 0x60, 0x04, 0x52, 0x60, 0x24, 0x5f, 0xfd,
    ]);
    let panicking = evm.deploy(owner, raw_contract(&panic)).unwrap();
    let revert = evm
        .transact(owner, panicking, Bytes::new())
        .unwrap()
        .revert
        .unwrap();
    assert_eq!(revert, Revert::Panic(U256::from(0x11)));
    assert_eq!(revert.panic_kind(), Some(PanicKind::UnderOverflow));

    // Empty revert data, and a halt (INVALID consumes all gas).
    let empty = evm
        .deploy(owner, raw_contract(&[0x5f, 0x5f, 0xfd]))
        .unwrap();
    assert_eq!(
        evm.transact(owner, empty, Bytes::new()).unwrap().revert,
        Some(Revert::Empty)
    );
    let invalid = evm.deploy(owner, raw_contract(&[0xfe])).unwrap();
    let outcome = evm
        .execute(Tx {
            from: owner,
            to: Some(invalid),
            gas_limit: Some(100_000),
            ..Tx::default()
        })
        .unwrap();
    assert!(matches!(outcome.revert, Some(Revert::Halt(_))));
    assert_eq!(outcome.gas_used, 100_000);

    // A failed creation is an error of `deploy`.
    let err = evm.deploy(owner, vec![0x5f, 0x5f, 0xfd]).unwrap_err();
    assert!(matches!(
        err,
        EvmError::Reverted {
            to: None,
            revert: Revert::Empty,
            ..
        }
    ));
}

#[test]
fn invalid_transactions_are_errors() {
    let mut evm = Evm::default();
    let err = evm
        .execute(Tx {
            from: addr(1),
            to: Some(addr(2)),
            gas_limit: Some(40_000_000),
            ..Tx::default()
        })
        .unwrap_err();
    assert!(matches!(err, EvmError::InvalidTransaction(_)), "{err}");
    let err = evm
        .execute(Tx {
            from: addr(1),
            to: Some(addr(2)),
            value: U256::from(1),
            ..Tx::default()
        })
        .unwrap_err();
    assert!(matches!(err, EvmError::InvalidTransaction(_)), "{err}");
    assert_eq!(evm.block_number(), 1, "no block for an invalid transaction");
}

#[test]
fn blocks_and_time() {
    let mut evm = Evm::new(EvmConfig::with_chain_id(421_614));
    let start = EvmConfig::default().timestamp;
    assert_eq!(
        (evm.block_number(), evm.timestamp(), evm.chain_id()),
        (1, start, 421_614)
    );

    let at = evm.deploy(addr(1), raw_contract(CLOCK)).unwrap();
    // Calls see the next block; every transaction mines one.
    assert_eq!(clock(&mut evm, at), (start + 1, 2, 421_614));
    assert_eq!(
        clock(&mut evm, at),
        (start + 1, 2, 421_614),
        "calls mine nothing"
    );

    evm.increase_time(3600);
    assert_eq!(clock(&mut evm, at).0, start + 3601);
    let outcome = evm.transact(addr(1), at, Bytes::new()).unwrap();
    assert_eq!(outcome.block_number, 2);
    let (t, n, _) = <(U256, U256, U256)>::abi_decode_params(&outcome.output).unwrap();
    assert_eq!((t.to::<u64>(), n.to::<u64>()), (start + 3601, 2));
    assert_eq!((evm.block_number(), evm.timestamp()), (3, start + 3602));

    evm.set_timestamp(start + 100_000).unwrap();
    assert_eq!(clock(&mut evm, at).0, start + 100_000);
    let err = evm.set_timestamp(start + 3600).unwrap_err();
    assert!(matches!(err, EvmError::TimestampInPast { latest, .. } if latest == start + 3601));
    // The same timestamp as the latest block is allowed (several blocks in one second).
    evm.set_timestamp(start + 3601).unwrap();
}

#[test]
fn snapshot_and_restore() {
    let mut evm = Evm::default();
    let owner = addr(1);
    let token = deploy_token(&mut evm, owner);
    let snapshot = evm.snapshot();
    let (block, time) = (evm.block_number(), evm.timestamp());

    let call = IERC20::transferCall {
        to: addr(2),
        value: U256::from(7),
    };
    evm.transact(owner, token, call.abi_encode())
        .unwrap()
        .ok()
        .unwrap();
    evm.increase_time(1000);
    let other = evm.deploy(owner, raw_contract(CLOCK)).unwrap();
    assert_eq!(
        evm.view(token, &IERC20::balanceOfCall { account: addr(2) })
            .unwrap(),
        U256::from(7)
    );

    evm.restore(&snapshot);
    assert_eq!(
        evm.view(token, &IERC20::balanceOfCall { account: addr(2) })
            .unwrap(),
        U256::ZERO
    );
    assert_eq!(
        (evm.block_number(), evm.timestamp(), evm.nonce(owner)),
        (block, time, 1)
    );
    assert!(evm.code(other).is_empty());
    // The snapshot stays usable, and the replay is identical.
    evm.transact(owner, token, call.abi_encode())
        .unwrap()
        .ok()
        .unwrap();
    evm.restore(&snapshot);
    assert_eq!(evm.nonce(owner), 1);

    // Storage written after the snapshot is gone after a restore.
    let store = evm
        .deploy(owner, raw_contract(&[0x60, 0x2a, 0x60, 0x07, 0x55, 0x00]))
        .unwrap();
    let snapshot = evm.snapshot();
    evm.transact(owner, store, Bytes::new())
        .unwrap()
        .ok()
        .unwrap();
    assert_eq!(evm.storage(store, U256::from(7)), U256::from(42));
    evm.restore(&snapshot);
    assert_eq!(evm.storage(store, U256::from(7)), U256::ZERO);
}

#[test]
fn the_evm_can_be_shared_between_threads() {
    fn send<T: Send + Sync + 'static>() {}
    send::<Evm>();
    send::<confide_chain::Snapshot>();
}
