//! The dev chain's JSON-RPC server, spoken to in raw JSON over HTTP/1.1 (a std `TcpStream`):
//! every method family, batches, every error code, a signed transaction with its receipt and
//! logs, filters, `evm_increaseTime`/`evm_mine`, the body limit, interval mining, shutdown.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::devchain::rpc::{RpcConfig, RpcServer, serve};
use confide_chain::devchain::{Clock, DevChain, DevChainConfig, GWEI};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A server on 127.0.0.1:0 over an in-memory chain; dropping it stops the server, then the
/// runtime.
struct Node {
    server: Option<RpcServer>,
    addr: SocketAddr,
    chain: Arc<Mutex<DevChain>>,
    runtime: tokio::runtime::Runtime,
}

impl Node {
    fn start(config: RpcConfig) -> Self {
        let chain = DevChain::new(DevChainConfig {
            clock: Clock::Fixed {
                genesis: 1_700_000_000,
                block_time: 1,
            },
            sync: false,
            ..DevChainConfig::default()
        })
        .unwrap();
        let chain = Arc::new(Mutex::new(chain));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(serve(
                chain.clone(),
                RpcConfig {
                    addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                    ..config
                },
            ))
            .unwrap();
        let addr = server.local_addr();
        Self {
            server: Some(server),
            addr,
            chain,
            runtime,
        }
    }

    fn new() -> Self {
        Self::start(RpcConfig::default())
    }

    /// POSTs `body`; returns the HTTP status and the body.
    fn post(&self, body: &[u8]) -> (u16, Vec<u8>) {
        post(self.addr, body).unwrap()
    }

    /// Sends a raw JSON value; returns the parsed answer.
    fn send(&self, request: &Value) -> Value {
        let (status, body) = self.post(request.to_string().as_bytes());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    /// Calls `method`; returns the whole response object.
    fn raw(&self, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}))
    }

    /// Calls `method`; returns its result (panics on an error).
    fn call(&self, method: &str, params: Value) -> Value {
        let answer = self.raw(method, params);
        assert_eq!(answer["id"], 7);
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// Calls `method`; returns its error object (panics on success).
    fn error(&self, method: &str, params: Value) -> Value {
        let answer = self.raw(method, params);
        assert!(answer.get("result").is_none(), "{method}: {answer}");
        answer["error"].clone()
    }

    fn key(&self, i: usize) -> PrivateKeySigner {
        self.chain.lock().unwrap().accounts()[i].signer().clone()
    }

    fn token(&self) -> Address {
        self.chain.lock().unwrap().protocol().token
    }

    /// Signs an EIP-1559 transaction from account `from` at its pending nonce (read over RPC).
    fn signed(&self, from: usize, to: TxKind, input: Vec<u8>) -> Bytes {
        let key = self.key(from);
        let nonce =
            quantity(&self.call("eth_getTransactionCount", json!([key.address(), "pending"])));
        let tx = TxEip1559 {
            chain_id: 31_337,
            nonce,
            gas_limit: 1_000_000,
            max_fee_per_gas: 3 * u128::from(GWEI),
            max_priority_fee_per_gas: u128::from(GWEI),
            to,
            value: U256::ZERO,
            access_list: AccessList::default(),
            input: input.into(),
        };
        let signature: Signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::from(tx.into_signed(signature))
            .encoded_2718()
            .into()
    }

    /// Sends an RLC transfer over RPC; returns the transaction hash.
    fn transfer(&self, from: usize, to: Address, amount: u64) -> B256 {
        let input = IERC20::transferCall {
            to,
            value: U256::from(amount),
        }
        .abi_encode();
        let raw = self.signed(from, TxKind::Call(self.token()), input);
        serde_json::from_value(self.call("eth_sendRawTransaction", json!([raw]))).unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// A minimal HTTP/1.1 POST (Connection: close).
fn post(addr: SocketAddr, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, response[split + 4..].to_vec()))
}

fn quantity(value: &Value) -> u64 {
    let s = value.as_str().unwrap();
    assert!(s.starts_with("0x"), "{s}");
    assert!(s == "0x0" || !s.starts_with("0x0"), "leading zero: {s}");
    u64::from_str_radix(&s[2..], 16).unwrap()
}

#[test]
fn identity_and_fees() {
    let node = Node::new();
    assert_eq!(node.call("eth_chainId", json!([])), "0x7a69");
    assert_eq!(node.call("net_version", json!([])), "31337");
    assert!(
        node.call("web3_clientVersion", json!([]))
            .as_str()
            .unwrap()
            .starts_with("confide-devchain/v")
    );
    assert_eq!(node.call("eth_blockNumber", json!([])), "0x0");
    assert_eq!(quantity(&node.call("eth_gasPrice", json!([]))), 2 * GWEI);
    assert_eq!(
        quantity(&node.call("eth_maxPriorityFeePerGas", json!([]))),
        GWEI
    );
    node.transfer(0, Address::repeat_byte(1), 5);
    let history = node.call("eth_feeHistory", json!(["0x2", "latest", [50.0]]));
    assert_eq!(history["oldestBlock"], "0x0");
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 3);
    assert_eq!(history["gasUsedRatio"].as_array().unwrap().len(), 2);
    assert_eq!(history["reward"][1][0], "0x3b9aca00");
}

#[test]
fn state_queries() {
    let node = Node::new();
    let dev0 = node.key(0).address();
    let balance = node.call("eth_getBalance", json!([dev0, "latest"]));
    assert_eq!(balance, "0x21e19e0c9bab2400000"); // 10 000 ether
    // Account 0 deployed the protocol at genesis.
    assert!(quantity(&node.call("eth_getTransactionCount", json!([dev0]))) > 0);
    let dev5 = node.key(5).address();
    assert_eq!(node.call("eth_getTransactionCount", json!([dev5])), "0x0");
    let token = node.token();
    let code = node.call("eth_getCode", json!([token, "latest"]));
    assert!(code.as_str().unwrap().len() > 100);
    assert_eq!(node.call("eth_getCode", json!([dev0, "latest"])), "0x");
    let slot = node.call("eth_getStorageAt", json!([token, "0x0", "latest"]));
    assert_eq!(slot.as_str().unwrap().len(), 66);
    // A block hash designates the latest state; an older block is unavailable (-32000).
    let genesis = node.call("eth_getBlockByNumber", json!(["0x0", false]));
    let by_hash = json!({"blockHash": genesis["hash"]});
    assert_eq!(node.call("eth_getBalance", json!([dev0, by_hash])), balance);
    node.transfer(0, Address::repeat_byte(1), 5);
    let error = node.error("eth_getBalance", json!([dev0, "0x0"]));
    assert_eq!(error["code"], -32000);
    // eth_call: RLC balanceOf.
    let input = IERC20::balanceOfCall {
        account: Address::repeat_byte(1),
    }
    .abi_encode();
    let out = node.call(
        "eth_call",
        json!([{"to": token, "data": Bytes::from(input.clone())}, "latest"]),
    );
    assert_eq!(
        U256::from_str_radix(&out.as_str().unwrap()[2..], 16).unwrap(),
        U256::from(5)
    );
    let out = node.call(
        "eth_call",
        json!([{"to": token, "input": Bytes::from(input)}]),
    );
    assert_eq!(out.as_str().unwrap().len(), 66);
    // eth_estimateGas of a transfer.
    let transfer = IERC20::transferCall {
        to: Address::repeat_byte(2),
        value: U256::from(1),
    }
    .abi_encode();
    let gas = quantity(&node.call(
        "eth_estimateGas",
        json!([{"from": dev0, "to": token, "data": Bytes::from(transfer)}]),
    ));
    assert!((21_000..100_000).contains(&gas), "{gas}");
}

#[test]
fn transaction_receipt_logs_and_blocks() {
    let node = Node::new();
    let to = Address::repeat_byte(0xaa);
    let hash = node.transfer(1, to, 1234);
    assert_eq!(node.call("eth_blockNumber", json!([])), "0x1");

    let tx = node.call("eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["hash"], json!(hash));
    assert_eq!(tx["from"], json!(node.key(1).address()));
    assert_eq!(tx["to"], json!(node.token()));
    assert_eq!(tx["type"], "0x2");
    assert_eq!(tx["blockNumber"], "0x1");
    assert_eq!(tx["transactionIndex"], "0x0");
    assert_eq!(quantity(&tx["gasPrice"]), 2 * GWEI);
    assert_eq!(tx["nonce"], "0x0");
    for field in [
        "r",
        "s",
        "yParity",
        "chainId",
        "input",
        "gas",
        "maxFeePerGas",
        "accessList",
    ] {
        assert!(tx.get(field).is_some(), "no {field} in {tx}");
    }

    let receipt = node.call("eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["transactionHash"], json!(hash));
    assert_eq!(receipt["blockNumber"], "0x1");
    assert_eq!(receipt["contractAddress"], Value::Null);
    let gas_used = quantity(&receipt["gasUsed"]);
    assert_eq!(quantity(&receipt["cumulativeGasUsed"]), gas_used);
    let logs = receipt["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["address"], json!(node.token()));
    assert_eq!(
        logs[0]["topics"][0],
        json!(IERC20::Transfer::SIGNATURE_HASH)
    );
    assert_eq!(logs[0]["topics"][2], json!(to.into_word()));
    assert_eq!(logs[0]["logIndex"], "0x0");
    assert_eq!(
        U256::from_str_radix(&logs[0]["data"].as_str().unwrap()[2..], 16).unwrap(),
        U256::from(1234)
    );

    // Blocks by number and hash, hashes only or full transactions.
    let block = node.call("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(block["number"], "0x1");
    assert_eq!(block["transactions"], json!([hash]));
    assert_eq!(quantity(&block["gasUsed"]), gas_used);
    assert_eq!(quantity(&block["baseFeePerGas"]), GWEI);
    assert_eq!(block["hash"], receipt["blockHash"]);
    let full = node.call("eth_getBlockByHash", json!([block["hash"], true]));
    assert_eq!(full["number"], "0x1");
    assert_eq!(full["transactions"][0]["hash"], json!(hash));
    assert_eq!(
        full["parentHash"],
        node.call("eth_getBlockByNumber", json!(["0x0", false]))["hash"]
    );
    assert_eq!(
        node.call("eth_getBlockByNumber", json!(["0x9", false])),
        Value::Null
    );
    assert_eq!(
        node.call("eth_getBlockByHash", json!([B256::ZERO, false])),
        Value::Null
    );
    assert_eq!(
        node.call("eth_getTransactionByHash", json!([B256::ZERO])),
        Value::Null
    );
    assert_eq!(
        node.call("eth_getTransactionReceipt", json!([B256::ZERO])),
        Value::Null
    );

    // eth_getLogs by range, address, topic; by block hash.
    let filter = json!({"fromBlock": "0x0", "toBlock": "latest", "address": node.token(),
        "topics": [IERC20::Transfer::SIGNATURE_HASH, null, [to.into_word()]]});
    let found = node.call("eth_getLogs", json!([filter]));
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0], logs[0]);
    let other = json!({"fromBlock": "earliest", "topics": [null, null, B256::ZERO]});
    assert_eq!(node.call("eth_getLogs", json!([other])), json!([]));
    let by_hash = node.call("eth_getLogs", json!([{"blockHash": block["hash"]}]));
    assert_eq!(by_hash.as_array().unwrap().len(), 1);

    // A refused transaction: -32000 with the typed error's message.
    let raw = node.signed(1, TxKind::Call(to), Vec::new());
    node.call("eth_sendRawTransaction", json!([raw]));
    let error = node.error("eth_sendRawTransaction", json!([raw]));
    assert_eq!(error["code"], -32000);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("already known"),
        "{error}"
    );
    let error = node.error("eth_sendRawTransaction", json!(["0x01ff"]));
    assert_eq!(error["code"], -32000);
    assert!(
        error["message"].as_str().unwrap().starts_with("malformed"),
        "{error}"
    );
}

#[test]
fn filters_return_only_new_logs() {
    let node = Node::new();
    node.transfer(0, Address::repeat_byte(1), 1);
    let filter = json!({"address": node.token()});
    let id = node.call("eth_newFilter", json!([filter]));
    assert_eq!(node.call("eth_getFilterChanges", json!([id])), json!([]));
    let first = node.transfer(0, Address::repeat_byte(2), 2);
    let second = node.transfer(0, Address::repeat_byte(3), 3);
    let changes = node.call("eth_getFilterChanges", json!([id]));
    let hashes: Vec<&Value> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["transactionHash"])
        .collect();
    assert_eq!(hashes, [&json!(first), &json!(second)]);
    assert_eq!(node.call("eth_getFilterChanges", json!([id])), json!([]));
    node.call("evm_mine", json!([]));
    assert_eq!(node.call("eth_getFilterChanges", json!([id])), json!([]));
    assert_eq!(node.call("eth_uninstallFilter", json!([id])), true);
    assert_eq!(node.call("eth_uninstallFilter", json!([id])), false);
    assert_eq!(
        node.error("eth_getFilterChanges", json!([id]))["code"],
        -32000
    );
}

#[test]
fn increase_time_and_mine() {
    let node = Node::new();
    let before = node.call("eth_getBlockByNumber", json!(["latest", false]));
    let offset = node.call("evm_increaseTime", json!([3600]));
    assert_eq!(quantity(&offset), 3600);
    assert_eq!(node.call("evm_mine", json!([])), "0x0");
    let after = node.call("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(after["number"], "0x1");
    assert_eq!(
        quantity(&after["timestamp"]),
        quantity(&before["timestamp"]) + 3600 + 1
    );
    node.call("evm_increaseTime", json!(["0x10"]));
    node.call("evm_mine", json!([]));
    let last = node.call("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(
        quantity(&last["timestamp"]),
        quantity(&after["timestamp"]) + 16 + 1
    );
}

#[test]
fn batches_and_error_codes() {
    let node = Node::new();
    // A batch: answers in order, errors in place, notifications unanswered.
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": "two", "method": "eth_nope", "params": []},
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_blockNumber"},
    ]);
    let answers = node.send(&batch);
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["result"], "0x7a69");
    assert_eq!(answers[1]["id"], "two");
    assert_eq!(answers[1]["error"]["code"], -32601);
    assert_eq!(answers[2]["result"], "0x0");
    // Only notifications: nothing to answer.
    let (status, body) = node.post(br#"{"jsonrpc":"2.0","method":"eth_chainId","params":[]}"#);
    assert_eq!(status, 204);
    assert!(body.is_empty());

    // -32700 parse error.
    let (status, body) = node.post(b"{not json");
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["error"]["code"], -32700);
    assert_eq!(answer["id"], Value::Null);
    // -32600 invalid request: empty batch, not an object, no method, wrong version.
    assert_eq!(node.send(&json!([]))["error"]["code"], -32600);
    assert_eq!(node.send(&json!([1]))[0]["error"]["code"], -32600);
    assert_eq!(
        node.send(&json!({"jsonrpc": "2.0", "id": 1}))["error"]["code"],
        -32600
    );
    let answer = node.send(&json!({"jsonrpc": "1.0", "id": 1, "method": "eth_chainId"}));
    assert_eq!(answer["error"]["code"], -32600);
    assert_eq!(answer["id"], 1);
    // -32601 method not found.
    assert_eq!(node.error("eth_mining_nope", json!([]))["code"], -32601);
    // -32602 invalid params.
    assert_eq!(node.error("eth_getBalance", json!([]))["code"], -32602);
    assert_eq!(
        node.error("eth_getBalance", json!(["0x12"]))["code"],
        -32602
    );
    assert_eq!(
        node.error("eth_getBlockByNumber", json!(["soon"]))["code"],
        -32602
    );
    assert_eq!(
        node.error("eth_feeHistory", json!(["0x1", "latest", [90, 10]]))["code"],
        -32602
    );
    // 3: a reverted eth_call / eth_estimateGas carries the revert data (init code that
    // reverts with 0xdeadbeef).
    let init = "0x63deadbeef60e01b60005260046000fd";
    let error = node.error("eth_call", json!([{"data": init}]));
    assert_eq!(error["code"], 3);
    assert_eq!(error["message"], "execution reverted");
    assert_eq!(error["data"], "0xdeadbeef");
    let error = node.error("eth_estimateGas", json!([{"data": init}]));
    assert_eq!(error["code"], 3);
    assert_eq!(error["data"], "0xdeadbeef");
    // A revert with a reason: an RLC transfer above the balance.
    let transfer = IERC20::transferCall {
        to: Address::repeat_byte(2),
        value: U256::from(1),
    }
    .abi_encode();
    let error = node.error(
        "eth_call",
        json!([{"from": Address::repeat_byte(9), "to": node.token(), "data": Bytes::from(transfer)}]),
    );
    assert_eq!(error["code"], 3, "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with("execution reverted"), "{error}");
    assert!(error["data"].as_str().unwrap().len() > 2, "{error}");
}

#[test]
fn body_limit_interval_mining_and_shutdown() {
    let node = Node::start(RpcConfig {
        max_body_bytes: 1024,
        block_time: Some(Duration::from_millis(50)),
        ..RpcConfig::default()
    });
    let (status, _) = node.post(&vec![b' '; 4096]);
    assert_eq!(status, 413);
    // Interval mining: blocks appear without transactions.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while quantity(&node.call("eth_blockNumber", json!([]))) < 2 {
        assert!(std::time::Instant::now() < deadline, "no interval block");
        std::thread::sleep(Duration::from_millis(20));
    }
    let addr = node.addr;
    drop(node);
    assert!(
        post(addr, b"{}").is_err(),
        "the server still answers after drop"
    );
}
