//! The dev chain core: genesis, raw transactions and their refusals, blocks/receipts/logs,
//! a protocol flow, interval mining, the clock, persistence (reopen, torn journal, SIGKILL).

use alloy_consensus::{
    SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy, TxType,
};
use alloy_eips::BlockNumberOrTag;
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256, address, b256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use confide_chain::Revert;
use confide_chain::artifacts::bindings::{IConfide, IERC20};
use confide_chain::devchain::{
    CallRequest, Clock, DevChain, DevChainConfig, DevChainError, GWEI, JOURNAL_FILE, LogFilter,
    TxError,
};
use confide_chain::evm::EvmError;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const LATEST: BlockNumberOrTag = BlockNumberOrTag::Latest;

/// anvil's ten default accounts (mnemonic "test test … junk").
const ANVIL: [Address; 10] = [
    address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"),
    address!("3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    address!("90F79bf6EB2c4f870365E785982E1f101E93b906"),
    address!("15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
    address!("9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
    address!("976EA74026E726554dB657fA54763abd0C3a0aa9"),
    address!("14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
    address!("23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
    address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"),
];

fn config() -> DevChainConfig {
    DevChainConfig {
        clock: Clock::Fixed {
            genesis: 1_700_000_000,
            block_time: 1,
        },
        ..DevChainConfig::default()
    }
}

fn chain() -> DevChain {
    DevChain::new(config()).unwrap()
}

fn signer(chain: &DevChain, i: usize) -> PrivateKeySigner {
    chain.accounts()[i].signer().clone()
}

/// Signs `tx` and returns its EIP-2718 encoding.
fn sign<T>(tx: T, signer: &PrivateKeySigner) -> Bytes
where
    T: SignableTransaction<Signature>,
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(signature))
        .encoded_2718()
        .into()
}

/// An EIP-1559 transaction from `from` at its pending nonce.
fn eip1559(
    chain: &DevChain,
    from: &PrivateKeySigner,
    to: TxKind,
    value: U256,
    input: Bytes,
) -> TxEip1559 {
    TxEip1559 {
        chain_id: chain.chain_id(),
        nonce: chain
            .nonce(from.address(), BlockNumberOrTag::Pending)
            .unwrap(),
        gas_limit: 1_000_000,
        max_fee_per_gas: 3 * u128::from(GWEI),
        max_priority_fee_per_gas: u128::from(GWEI),
        to,
        value,
        access_list: AccessList::default(),
        input,
    }
}

/// Signs and sends an EIP-1559 call; returns the hash.
fn send_call(chain: &mut DevChain, from: usize, to: Address, input: Vec<u8>) -> B256 {
    let key = signer(chain, from);
    let tx = eip1559(chain, &key, TxKind::Call(to), U256::ZERO, input.into());
    chain.send_raw_transaction(&sign(tx, &key)).unwrap()
}

/// A plain ether transfer.
fn transfer(chain: &mut DevChain, from: usize, to: Address, wei: u64) -> B256 {
    let key = signer(chain, from);
    let mut tx = eip1559(chain, &key, TxKind::Call(to), U256::from(wei), Bytes::new());
    tx.gas_limit = 21_000;
    chain.send_raw_transaction(&sign(tx, &key)).unwrap()
}

fn rlc_balance(chain: &DevChain, who: Address) -> U256 {
    let call = IERC20::balanceOfCall { account: who };
    let out = chain
        .call(
            &CallRequest {
                to: Some(chain.protocol().token),
                input: call.abi_encode().into(),
                ..CallRequest::default()
            },
            LATEST,
        )
        .unwrap();
    out.decode::<IERC20::balanceOfCall>().unwrap()
}

#[test]
fn genesis_has_anvils_accounts_and_the_protocol() {
    let chain = chain();
    let addresses: Vec<Address> = chain.accounts().iter().map(|a| a.address).collect();
    assert_eq!(addresses, ANVIL);
    assert_eq!(
        chain.accounts()[0].private_key(),
        b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    );
    assert_eq!(
        chain.accounts()[1].private_key(),
        b256!("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
    );
    assert!(!format!("{:?}", chain.accounts()[0]).contains("ac0974"));

    assert_eq!(chain.block_number(), 0);
    let genesis = chain.genesis();
    assert_eq!(genesis.header.timestamp, 1_700_000_000);
    assert_eq!(genesis.header.base_fee_per_gas, Some(GWEI));
    assert!(genesis.transactions.is_empty());
    let ether = U256::from(10u64).pow(U256::from(18u64));
    for (i, account) in ANVIL.iter().enumerate() {
        assert_eq!(
            chain.balance(*account, LATEST).unwrap(),
            U256::from(10_000u64) * ether
        );
        let rlc = rlc_balance(&chain, *account);
        if i == 0 {
            assert_eq!(rlc, U256::from((87_000_000u64 - 9_000_000) * GWEI));
        } else {
            assert_eq!(rlc, U256::from(1_000_000u64 * GWEI));
        }
    }
    let protocol = chain.protocol();
    assert_eq!(protocol.owner, ANVIL[0]);
    assert!(!chain.code(protocol.address, LATEST).unwrap().is_empty());
    assert_eq!(chain.nonce(ANVIL[1], LATEST).unwrap(), 0);

    // Deterministic: the same configuration gives the same genesis.
    let mut again = DevChain::new(config()).unwrap();
    assert_eq!(again.genesis_hash(), chain.genesis_hash());
    assert_eq!(again.compute_state_root(), genesis.header.state_root);
}

#[test]
fn every_transaction_type_is_mined_and_charged() {
    let mut chain = chain();
    let key = signer(&chain, 1);
    let to = ANVIL[2];
    let value = U256::from(1_000u64);
    let legacy = |chain: &DevChain, chain_id| TxLegacy {
        chain_id,
        nonce: chain.nonce(key.address(), LATEST).unwrap(),
        gas_price: 2 * u128::from(GWEI),
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value,
        input: Bytes::new(),
    };
    let raws = [
        sign(legacy(&chain, Some(31_337)), &key),
        {
            let tx = legacy(&chain, None); // pre-EIP-155
            let tx = TxLegacy { nonce: 1, ..tx };
            sign(tx, &key)
        },
        sign(
            TxEip2930 {
                chain_id: 31_337,
                nonce: 2,
                gas_price: 2 * u128::from(GWEI),
                gas_limit: 30_000,
                to: TxKind::Call(to),
                value,
                access_list: AccessList(vec![AccessListItem {
                    address: to,
                    storage_keys: vec![B256::ZERO],
                }]),
                input: Bytes::new(),
            },
            &key,
        ),
        sign(
            TxEip1559 {
                nonce: 3,
                gas_limit: 21_000,
                ..eip1559(&chain, &key, TxKind::Call(to), value, Bytes::new())
            },
            &key,
        ),
    ];
    let before_from = chain.balance(key.address(), LATEST).unwrap();
    let before_to = chain.balance(to, LATEST).unwrap();
    let before_coinbase = chain.balance(Address::ZERO, LATEST).unwrap();
    let mut paid = U256::ZERO;
    let mut tips = U256::ZERO;
    for (i, raw) in raws.iter().enumerate() {
        let hash = chain.send_raw_transaction(raw).unwrap();
        let receipt = chain.receipt(&hash).unwrap().clone();
        assert!(receipt.status, "tx {i}");
        assert_eq!(receipt.block_number, i as u64 + 1);
        assert_eq!(receipt.transaction_index, 0);
        assert_eq!(receipt.cumulative_gas_used, receipt.gas_used);
        assert_eq!(receipt.from, key.address());
        assert_eq!(receipt.to, Some(to));
        let expected_type = [
            TxType::Legacy,
            TxType::Legacy,
            TxType::Eip2930,
            TxType::Eip1559,
        ][i];
        assert_eq!(receipt.tx_type, expected_type);
        // Legacy and 2930 pay their gas price; 1559 pays base fee + tip (1 + 1 gwei).
        assert_eq!(receipt.effective_gas_price, 2 * u128::from(GWEI));
        let gas = U256::from(receipt.gas_used);
        paid += gas * U256::from(receipt.effective_gas_price);
        tips += gas * U256::from(GWEI);
        let record = chain.transaction(&hash).unwrap();
        assert_eq!(record.block_hash, receipt.block_hash);
        assert_eq!(record.tx.from, key.address());
        let block = chain.block_by_hash(&receipt.block_hash).unwrap();
        assert_eq!(block.transactions, vec![hash]);
        assert_eq!(block.header.gas_used, receipt.gas_used);
    }
    // 2930's access list costs 2400 + 1900 on top of 21000.
    assert_eq!(
        chain
            .receipt(
                &chain
                    .block(BlockNumberOrTag::Number(3))
                    .unwrap()
                    .transactions[0]
            )
            .unwrap()
            .gas_used,
        25_300
    );
    assert_eq!(
        chain.balance(key.address(), LATEST).unwrap(),
        before_from - paid - value * U256::from(4u64)
    );
    assert_eq!(
        chain.balance(to, LATEST).unwrap(),
        before_to + value * U256::from(4u64)
    );
    assert_eq!(
        chain.balance(Address::ZERO, LATEST).unwrap(),
        before_coinbase + tips
    );
    assert_eq!(chain.nonce(key.address(), LATEST).unwrap(), 4);

    // Blocks chain up, timestamps advance by the block time, the state root is the state's.
    for n in 1..=4 {
        let block = chain.block(BlockNumberOrTag::Number(n)).unwrap();
        let parent = chain.block(BlockNumberOrTag::Number(n - 1)).unwrap();
        assert_eq!(block.header.parent_hash, parent.hash);
        assert_eq!(block.header.timestamp, parent.header.timestamp + 1);
        assert_eq!(block.hash, block.header.hash_slow());
    }
    let root = chain.latest_block().header.state_root;
    assert_eq!(chain.compute_state_root(), root);
}

/// Sends `raw` expecting refusal `check`; asserts nothing changed.
fn refused(chain: &mut DevChain, raw: &[u8], check: impl FnOnce(&TxError) -> bool) {
    let block = chain.latest_block().clone();
    let nonce = chain.nonce(ANVIL[1], BlockNumberOrTag::Pending).unwrap();
    let balance = chain.balance(ANVIL[1], LATEST).unwrap();
    let pending = chain.pending_transactions().len();
    let root = chain.compute_state_root();
    match chain.send_raw_transaction(raw) {
        Err(DevChainError::Tx(e)) => assert!(check(&e), "unexpected refusal {e:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(chain.latest_block(), &block);
    assert_eq!(
        chain.nonce(ANVIL[1], BlockNumberOrTag::Pending).unwrap(),
        nonce
    );
    assert_eq!(chain.balance(ANVIL[1], LATEST).unwrap(), balance);
    assert_eq!(chain.pending_transactions().len(), pending);
    assert_eq!(chain.compute_state_root(), root);
}

#[test]
fn every_refusal_is_typed_and_changes_nothing() {
    let mut chain = chain();
    let key = signer(&chain, 1);
    let base = |chain: &DevChain| {
        let mut tx = eip1559(
            chain,
            &key,
            TxKind::Call(ANVIL[2]),
            U256::from(1u64),
            Bytes::new(),
        );
        tx.gas_limit = 21_000;
        tx
    };
    let first = sign(base(&chain), &key);
    chain.send_raw_transaction(&first).unwrap();

    refused(&mut chain, &[], |e| matches!(e, TxError::Malformed(_)));
    refused(&mut chain, &[0x02, 0xc1, 0x80], |e| {
        matches!(e, TxError::Malformed(_))
    });
    let mut trailing = first.to_vec();
    trailing.push(0);
    refused(&mut chain, &trailing, |e| {
        matches!(e, TxError::Malformed(_))
    });
    refused(&mut chain, &first, |e| {
        matches!(e, TxError::AlreadyKnown(_))
    });
    let tx = TxEip1559 {
        chain_id: 1,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        *e == TxError::WrongChainId {
            expected: 31_337,
            got: 1,
        }
    });
    let tx = TxEip1559 {
        nonce: 0,
        value: U256::from(2u64),
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        *e == TxError::NonceTooLow {
            expected: 1,
            got: 0,
        }
    });
    let tx = TxEip1559 {
        nonce: 5,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        *e == TxError::NonceTooHigh {
            expected: 1,
            got: 5,
        }
    });
    let tx = TxEip1559 {
        gas_limit: 30_000_001,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        matches!(
            e,
            TxError::GasLimitAboveBlock {
                gas_limit: 30_000_001,
                block_gas_limit: 30_000_000
            }
        )
    });
    let tx = TxEip1559 {
        gas_limit: 20_999,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        *e == TxError::IntrinsicGasTooLow {
            gas_limit: 20_999,
            intrinsic: 21_000,
        }
    });
    let tx = TxEip1559 {
        max_fee_per_gas: 1,
        max_priority_fee_per_gas: 1,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        *e == TxError::FeeCapTooLow {
            max_fee: 1,
            base_fee: GWEI,
        }
    });
    let tx = TxEip1559 {
        max_priority_fee_per_gas: 4 * u128::from(GWEI),
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        matches!(e, TxError::TipAboveFeeCap { .. })
    });
    let tx = TxEip1559 {
        value: U256::MAX >> 1,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        matches!(e, TxError::InsufficientFunds { .. })
    });
    let pauper = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
    let tx = TxEip1559 {
        nonce: 0,
        ..base(&chain)
    };
    refused(&mut chain, &sign(tx, &pauper), |e| {
        matches!(e, TxError::InsufficientFunds { .. })
    });
    let tx = TxEip7702 {
        chain_id: 31_337,
        nonce: 1,
        gas_limit: 100_000,
        max_fee_per_gas: 3 * u128::from(GWEI),
        max_priority_fee_per_gas: 0,
        to: ANVIL[2],
        value: U256::ZERO,
        access_list: AccessList::default(),
        authorization_list: Vec::new(),
        input: Bytes::new(),
    };
    refused(&mut chain, &sign(tx, &key), |e| {
        matches!(e, TxError::UnsupportedType(4) | TxError::Malformed(_))
    });
    // Still usable: the next nonce goes through.
    chain
        .send_raw_transaction(&sign(base(&chain), &key))
        .unwrap();
    assert_eq!(chain.block_number(), 2);
}

#[test]
fn receipts_logs_and_filters_are_consistent() {
    let mut chain = chain();
    chain.set_automine(false);
    let token = chain.protocol().token;
    let amount = U256::from(5 * GWEI);
    let transfer_to = |to: Address| IERC20::transferCall { to, value: amount }.abi_encode();
    let h1 = send_call(&mut chain, 1, token, transfer_to(ANVIL[3]));
    let h2 = send_call(&mut chain, 2, token, transfer_to(ANVIL[4]));
    let h3 = transfer(&mut chain, 1, ANVIL[5], 7);
    assert_eq!(chain.pending_transactions().len(), 3);
    assert_eq!(chain.nonce(ANVIL[1], BlockNumberOrTag::Pending).unwrap(), 2);
    assert_eq!(chain.nonce(ANVIL[1], LATEST).unwrap(), 0);
    assert!(chain.receipt(&h1).is_none());
    let block_hash = chain.mine().unwrap();
    assert!(chain.pending_transactions().is_empty());
    let block = chain.block_by_hash(&block_hash).unwrap().clone();
    assert_eq!(block.transactions, vec![h1, h2, h3]);

    let receipts = chain.block_receipts(block.number()).unwrap().to_vec();
    let mut cumulative = 0;
    for (i, receipt) in receipts.iter().enumerate() {
        cumulative += receipt.gas_used;
        assert_eq!(receipt.transaction_index, i as u64);
        assert_eq!(receipt.cumulative_gas_used, cumulative);
        assert_eq!(receipt.block_hash, block_hash);
    }
    assert_eq!(block.header.gas_used, cumulative);
    assert_eq!(receipts[0].logs.len(), 1);
    assert_eq!(receipts[1].logs.len(), 1);
    assert!(receipts[2].logs.is_empty());
    let log = &receipts[1].logs[0];
    assert_eq!(
        (log.log_index, log.transaction_index, log.transaction_hash),
        (1, 1, h2)
    );
    assert_eq!(log.log.address, token);
    let event = IERC20::Transfer::decode_log(&log.log).unwrap();
    assert_eq!(
        (event.from, event.to, event.value),
        (ANVIL[2], ANVIL[4], amount)
    );
    assert!(
        block
            .header
            .logs_bloom
            .contains_input(alloy_primitives::BloomInput::Raw(token.as_slice()))
    );

    // Another block with one more transfer.
    chain.set_automine(true);
    send_call(&mut chain, 3, token, transfer_to(ANVIL[1]));
    let sig = IERC20::Transfer::SIGNATURE_HASH;
    let topic = |a: Address| a.into_word();
    let all = LogFilter {
        from_block: Some(BlockNumberOrTag::Earliest),
        ..LogFilter::default()
    };
    assert_eq!(chain.logs(&all).unwrap().len(), 3);
    let latest_only = LogFilter::default();
    assert_eq!(chain.logs(&latest_only).unwrap().len(), 1);
    let by_hash = LogFilter {
        block_hash: Some(block_hash),
        ..LogFilter::default()
    };
    assert_eq!(chain.logs(&by_hash).unwrap().len(), 2);
    let from_1_or_3 = LogFilter {
        topics: vec![vec![sig], vec![topic(ANVIL[1]), topic(ANVIL[3])]],
        ..all.clone()
    };
    let found = chain.logs(&from_1_or_3).unwrap();
    assert_eq!(
        found
            .iter()
            .map(|l| l.transaction_hash)
            .collect::<Vec<_>>()
            .len(),
        2
    );
    assert_eq!(found[0].transaction_hash, h1);
    let to_4 = LogFilter {
        topics: vec![vec![], vec![], vec![topic(ANVIL[4])]],
        ..all.clone()
    };
    assert_eq!(chain.logs(&to_4).unwrap()[0].transaction_hash, h2);
    let other_address = LogFilter {
        addresses: vec![ANVIL[0]],
        ..all.clone()
    };
    assert!(chain.logs(&other_address).unwrap().is_empty());
    let range = LogFilter {
        from_block: Some(BlockNumberOrTag::Number(2)),
        to_block: Some(BlockNumberOrTag::Number(2)),
        addresses: vec![token, ANVIL[0]],
        ..LogFilter::default()
    };
    assert_eq!(chain.logs(&range).unwrap().len(), 1);
    assert!(matches!(
        chain.logs(&LogFilter {
            to_block: Some(BlockNumberOrTag::Number(99)),
            ..all
        }),
        Err(DevChainError::UnknownBlock(_))
    ));

    // Fee history: constant base fee, tips of 1 gwei.
    let history = chain.fee_history(3, LATEST, &[50.0]).unwrap();
    assert_eq!(history.oldest_block, 0);
    assert_eq!(history.base_fee_per_gas, vec![u128::from(GWEI); 4]);
    assert_eq!(history.reward[2], vec![u128::from(GWEI)]);
    assert_eq!(chain.gas_price(), 2 * u128::from(GWEI));
}

#[test]
fn a_protocol_flow_through_raw_transactions() {
    let mut chain = chain();
    let (protocol, token) = (chain.protocol().address, chain.protocol().token);
    let amount = U256::from(100 * GWEI);
    let approve = IERC20::approveCall {
        spender: protocol,
        value: amount,
    }
    .abi_encode();
    let h = send_call(&mut chain, 1, token, approve);
    assert!(chain.receipt(&h).unwrap().status);

    let deposit = IConfide::depositCall(amount).abi_encode();
    let request = CallRequest {
        from: Some(ANVIL[1]),
        to: Some(protocol),
        input: deposit.clone().into(),
        ..CallRequest::default()
    };
    let estimate = chain.estimate_gas(&request, LATEST).unwrap();
    let key = signer(&chain, 1);
    let mut tx = eip1559(
        &chain,
        &key,
        TxKind::Call(protocol),
        U256::ZERO,
        deposit.into(),
    );
    tx.gas_limit = estimate;
    let h = chain.send_raw_transaction(&sign(tx, &key)).unwrap();
    let receipt = chain.receipt(&h).unwrap();
    assert!(receipt.status, "{:?}", receipt.revert);
    assert!(receipt.gas_used <= estimate);
    let balance = chain
        .call(
            &CallRequest {
                to: Some(protocol),
                input: IConfide::balanceOfCall { account: ANVIL[1] }
                    .abi_encode()
                    .into(),
                ..CallRequest::default()
            },
            LATEST,
        )
        .unwrap()
        .decode::<IConfide::balanceOfCall>()
        .unwrap();
    assert_eq!(balance, amount);

    // A deposit beyond the allowance reverts: estimation reports the decoded revert, and the
    // mined transaction fails with status 0 and its revert.
    let too_much = IConfide::depositCall(amount).abi_encode();
    let failing = CallRequest {
        input: too_much.clone().into(),
        ..request
    };
    match chain.estimate_gas(&failing, LATEST) {
        Err(DevChainError::Evm(EvmError::Reverted { revert, .. })) => {
            assert_ne!(revert, Revert::Halt(String::new()));
        }
        other => panic!("expected a revert, got {other:?}"),
    }
    let h = send_call(&mut chain, 1, protocol, too_much);
    let receipt = chain.receipt(&h).unwrap();
    assert!(!receipt.status);
    assert!(receipt.revert.is_some());
    assert!(receipt.logs.is_empty());
    // Historical state is not kept.
    assert!(matches!(
        chain.balance(ANVIL[1], BlockNumberOrTag::Number(1)),
        Err(DevChainError::StateUnavailable { block: 1, .. })
    ));
}

#[test]
fn the_clock_and_empty_blocks() {
    let mut chain = chain();
    chain.increase_time(100).unwrap();
    let hash = chain.mine().unwrap();
    let block = chain.block_by_hash(&hash).unwrap();
    assert_eq!(block.header.timestamp, 1_700_000_000 + 1 + 100);
    assert!(block.transactions.is_empty());
    chain.mine().unwrap();
    assert_eq!(chain.latest_block().header.timestamp, 1_700_000_102);
    assert!(matches!(
        chain.set_next_block_timestamp(1_700_000_102),
        Err(DevChainError::TimestampInPast { .. })
    ));
    chain.set_next_block_timestamp(1_800_000_000).unwrap();
    transfer(&mut chain, 1, ANVIL[2], 1);
    assert_eq!(chain.latest_block().header.timestamp, 1_800_000_000);
    assert_eq!(chain.block_number(), 3);
}

/// Sends a mix of transactions: transfers, token calls, a pending batch mined together, a
/// clock jump.
fn activity(chain: &mut DevChain, n: usize) {
    let token = chain.protocol().token;
    for i in 0..n {
        let from = 1 + i % 4;
        if i % 3 == 0 {
            let call = IERC20::transferCall {
                to: ANVIL[9],
                value: U256::from(i as u64 + 1),
            };
            send_call(chain, from, token, call.abi_encode());
        } else {
            transfer(chain, from, ANVIL[8], i as u64 + 1);
        }
    }
    chain.increase_time(3_600).unwrap();
    chain.set_automine(false);
    transfer(chain, 5, ANVIL[7], 1);
    transfer(chain, 5, ANVIL[7], 2);
    transfer(chain, 6, ANVIL[7], 3);
    chain.mine().unwrap();
    chain.set_automine(true);
}

fn assert_same(a: &mut DevChain, b: &mut DevChain) {
    assert_eq!(a.block_number(), b.block_number());
    for n in 0..=a.block_number() {
        let tag = BlockNumberOrTag::Number(n);
        assert_eq!(a.block(tag), b.block(tag), "block {n}");
        assert_eq!(a.block_receipts(n), b.block_receipts(n), "receipts {n}");
    }
    assert_eq!(a.compute_state_root(), b.compute_state_root());
    for account in ANVIL {
        assert_eq!(
            a.balance(account, LATEST).unwrap(),
            b.balance(account, LATEST).unwrap()
        );
        assert_eq!(
            a.nonce(account, BlockNumberOrTag::Pending).unwrap(),
            b.nonce(account, BlockNumberOrTag::Pending).unwrap()
        );
        assert_eq!(rlc_balance(a, account), rlc_balance(b, account));
    }
}

#[test]
fn a_reopened_chain_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = DevChain::open(dir.path(), config()).unwrap();
    activity(&mut first, 30);
    // A pending transaction survives too.
    first.set_automine(false);
    let pending = transfer(&mut first, 1, ANVIL[6], 9);
    let root = first.latest_block().header.state_root;
    assert_eq!(first.compute_state_root(), root);
    let mut memory = DevChain::new(config()).unwrap();
    activity(&mut memory, 30);
    memory.set_automine(false);
    assert_eq!(transfer(&mut memory, 1, ANVIL[6], 9), pending);
    assert_same(&mut first, &mut memory);
    let snapshot_blocks = first.block_number();
    drop(first);

    let started = std::time::Instant::now();
    let mut second = DevChain::open(dir.path(), config()).unwrap();
    println!(
        "reopened {snapshot_blocks} blocks in {:?}",
        started.elapsed()
    );
    assert_same(&mut second, &mut memory);
    assert_eq!(second.pending_transactions().len(), 1);
    assert_eq!(second.pending_transactions()[0].hash, pending);
    second.mine().unwrap();
    second.set_automine(true);
    assert!(second.receipt(&pending).unwrap().status);
    // It goes on after a reopen, and reopens again.
    transfer(&mut second, 2, ANVIL[3], 5);
    let latest = second.latest_block().clone();
    drop(second);
    let third = DevChain::open(dir.path(), config()).unwrap();
    assert_eq!(third.latest_block(), &latest);
    drop(third);

    // Another configuration does not open this chain.
    let other = DevChainConfig {
        chain_id: 1337,
        ..config()
    };
    assert!(matches!(
        DevChain::open(dir.path(), other),
        Err(DevChainError::GenesisMismatch {
            stored_chain_id: 31_337,
            chain_id: 1337,
            ..
        })
    ));
}

#[test]
fn incremental_state_roots_match_a_full_computation() {
    // Enough token holders for the token's storage trie to be hashed by buckets, growing and
    // shrinking (transfers of a whole balance zero a slot), across several blocks.
    let mut chain = chain();
    assert_eq!(chain.compute_state_root(), chain.state_root_from_scratch());
    let token = chain.protocol().token;
    let keys: Vec<PrivateKeySigner> = (1..10).map(|i| signer(&chain, i)).collect();
    let holder = |i: u64| Address::from_word(B256::from(U256::from(i + 1_000)));
    chain.set_automine(false);
    for round in 0..3u64 {
        for i in 0..150u64 {
            let key = &keys[(i % 9) as usize];
            let call = IERC20::transferCall {
                to: holder(round * 150 + i),
                value: U256::from(1u64),
            };
            let tx = eip1559(
                &chain,
                key,
                TxKind::Call(token),
                U256::ZERO,
                call.abi_encode().into(),
            );
            chain.send_raw_transaction(&sign(tx, key)).unwrap();
        }
        chain.mine().unwrap();
        assert_eq!(
            chain.latest_block().header.state_root,
            chain.state_root_from_scratch()
        );
    }
    // Holders are contracts-free EOAs without keys: emptying balances needs the token's owner
    // to move them back; instead, zero some senders' whole RLC balances.
    for (i, key) in keys.iter().enumerate().take(4) {
        let balance = rlc_balance(&chain, key.address());
        let call = IERC20::transferCall {
            to: ANVIL[0],
            value: balance,
        };
        let tx = eip1559(
            &chain,
            key,
            TxKind::Call(token),
            U256::ZERO,
            call.abi_encode().into(),
        );
        chain.send_raw_transaction(&sign(tx, key)).unwrap();
        if i % 2 == 1 {
            chain.mine().unwrap();
            assert_eq!(
                chain.latest_block().header.state_root,
                chain.state_root_from_scratch()
            );
        }
    }
    chain.set_automine(true);
    transfer(&mut chain, 1, ANVIL[2], 1);
    assert_eq!(
        chain.latest_block().header.state_root,
        chain.state_root_from_scratch()
    );
}

fn file_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join(JOURNAL_FILE)).unwrap().len()
}

#[test]
fn a_torn_journal_tail_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = DevChain::open(dir.path(), config()).unwrap();
    transfer(&mut chain, 1, ANVIL[2], 1);
    let before_last = file_len(dir.path());
    let kept = chain.latest_block().clone();
    let last = transfer(&mut chain, 1, ANVIL[2], 2);
    let full = file_len(dir.path());
    assert_eq!(full, chain.journal_len());
    drop(chain);

    // Garbage after the last record (a write torn before its length was complete).
    let journal = dir.path().join(JOURNAL_FILE);
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(&[7, 0]);
    std::fs::write(&journal, &bytes).unwrap();
    let chain = DevChain::open(dir.path(), config()).unwrap();
    assert!(chain.receipt(&last).is_some());
    assert_eq!(file_len(dir.path()), full);
    drop(chain);

    // The last record cut short: it is dropped, the rest stands.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&journal)
        .unwrap();
    file.set_len(full - 3).unwrap();
    drop(file);
    let mut chain = DevChain::open(dir.path(), config()).unwrap();
    assert_eq!(chain.latest_block(), &kept);
    assert!(chain.receipt(&last).is_none());
    assert_eq!(file_len(dir.path()), before_last);
    // The same transaction can be sent again.
    let again = transfer(&mut chain, 1, ANVIL[2], 2);
    assert_eq!(again, last);
    assert_eq!(chain.block_number(), 2);
}

/// The environment variable naming the data directory of [`sigkill_child`].
const CHILD_DIR: &str = "CONFIDE_DEVCHAIN_SIGKILL_DIR";

/// Run by [`a_sigkilled_chain_loses_no_mined_transaction`] in a child process: sends
/// transactions forever, printing each hash once `send_raw_transaction` returned. A no-op in
/// a normal test run.
#[test]
fn sigkill_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let mut chain = DevChain::open(Path::new(&dir), config()).unwrap();
    for i in 0u64.. {
        let hash = transfer(&mut chain, 1 + (i % 3) as usize, ANVIL[9], i + 1);
        println!("SENT {hash}");
    }
}

#[test]
fn a_sigkilled_chain_loses_no_mined_transaction() {
    const N: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    /// Kills the child however the test ends.
    struct Child(std::process::Child);
    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Child(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "devchain::sigkill_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut acknowledged = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(hash) = line.strip_prefix("SENT ") {
            acknowledged.push(hash.parse::<B256>().unwrap());
            if acknowledged.len() == N {
                break;
            }
        }
    }
    // SIGKILL (`Child::kill` on Unix) while the child keeps sending.
    drop(child);
    assert_eq!(acknowledged.len(), N, "the child stopped early");

    let mut chain = DevChain::open(dir.path(), config()).unwrap();
    assert!(chain.block_number() >= N as u64);
    for hash in &acknowledged {
        assert!(chain.receipt(hash).unwrap().status);
    }
    let root = chain.latest_block().header.state_root;
    assert_eq!(chain.compute_state_root(), root);
    // Balances agree with the receipts: a replay in memory of the same blocks gives the
    // same chain.
    let mut memory = DevChain::new(config()).unwrap();
    for n in 1..=chain.block_number() {
        for record in chain.block_transactions(n).unwrap() {
            memory.send_raw_transaction(&record.tx.raw()).unwrap();
        }
    }
    assert_same(&mut chain, &mut memory);
}

#[test]
fn a_wall_clock_chain_is_shareable_and_follows_time() {
    fn shareable<T: Send + Sync>() {}
    shareable::<DevChain>();
    let started = confide_chain_now();
    let mut chain = DevChain::new(DevChainConfig::default()).unwrap();
    let genesis = chain.genesis().header.timestamp;
    assert!(genesis >= started && genesis <= started + 5);
    transfer(&mut chain, 1, ANVIL[2], 1);
    transfer(&mut chain, 1, ANVIL[2], 1);
    let (t1, t2) = (
        chain
            .block(BlockNumberOrTag::Number(1))
            .unwrap()
            .header
            .timestamp,
        chain.latest_block().header.timestamp,
    );
    assert!(genesis < t1 && t1 < t2, "strictly increasing");
    chain.increase_time(1_000).unwrap();
    chain.mine().unwrap();
    assert!(chain.latest_block().header.timestamp >= started + 1_000);
}

fn confide_chain_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Throughput figures (`cargo test -p confide-chain --release --test it devchain_throughput
/// -- --ignored --nocapture`): automined RLC transfers to distinct accounts with a synced
/// journal, then the reopen (replay) time.
#[test]
#[ignore = "a measurement"]
fn devchain_throughput() {
    const N: u64 = 2_000;
    let dir = tempfile::tempdir().unwrap();
    let mut chain = DevChain::open(dir.path(), config()).unwrap();
    let token = chain.protocol().token;
    let keys: Vec<PrivateKeySigner> = (1..10).map(|i| signer(&chain, i)).collect();
    let raws: Vec<Bytes> = (0..N)
        .map(|i| {
            let key = &keys[(i % 9) as usize];
            let call = IERC20::transferCall {
                to: Address::from_word(B256::from(U256::from(i + 1_000))),
                value: U256::from(1u64),
            };
            let tx = TxEip1559 {
                chain_id: 31_337,
                nonce: i / 9,
                gas_limit: 100_000,
                max_fee_per_gas: 3 * u128::from(GWEI),
                max_priority_fee_per_gas: u128::from(GWEI),
                to: TxKind::Call(token),
                value: U256::ZERO,
                access_list: AccessList::default(),
                input: call.abi_encode().into(),
            };
            sign(tx, key)
        })
        .collect();
    let started = std::time::Instant::now();
    for raw in &raws {
        chain.send_raw_transaction(raw).unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{N} automined token transfers (synced journal): {elapsed:?}, {:.0} tx/s, journal {} bytes",
        N as f64 / elapsed.as_secs_f64(),
        chain.journal_len()
    );
    let started = std::time::Instant::now();
    let mut memory = DevChain::new(DevChainConfig {
        sync: false,
        ..config()
    })
    .unwrap();
    println!("genesis alone: {:?}", started.elapsed());
    drop(chain);
    let started = std::time::Instant::now();
    let reopened = DevChain::open(dir.path(), config()).unwrap();
    println!("reopen (replay of {N} blocks): {:?}", started.elapsed());
    assert_eq!(reopened.block_number(), N);
    let started = std::time::Instant::now();
    memory.set_automine(false);
    for raw in &raws {
        memory.send_raw_transaction(raw).unwrap();
    }
    memory.mine().unwrap();
    println!(
        "{N} transfers in one block (interval mode, in memory): {:?}",
        started.elapsed()
    );
    assert_eq!(
        memory.compute_state_root(),
        memory.state_root_from_scratch()
    );
    let mut unsynced = DevChain::new(config()).unwrap();
    let started = std::time::Instant::now();
    for raw in &raws {
        unsynced.send_raw_transaction(raw).unwrap();
    }
    println!(
        "{N} automined transfers in memory (no journal): {:?}",
        started.elapsed()
    );
    assert_eq!(
        unsynced.latest_block().header.state_root,
        unsynced.state_root_from_scratch()
    );
}
