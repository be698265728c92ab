//! `confide chain dev`: the real binary serving JSON-RPC — Foundry's `cast` against it, a
//! SIGKILL and a restart on the same data directory, and starts that must fail clearly.

use crate::running::Running;
use crate::{assert_code, assert_fails, confide, path, stderr};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::IERC20;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A running `confide chain dev`, killed when dropped.
struct DevNode(Running);

impl std::ops::Deref for DevNode {
    type Target = Running;

    fn deref(&self) -> &Running {
        &self.0
    }
}

impl DevNode {
    /// Starts `confide [--json] chain dev --port 0 ARGS`, its stderr going to `stderr_file`;
    /// returns once it printed its ready line (the `Listening on` line, or the JSON document).
    fn start(json: bool, args: &[&str], stderr_file: &Path) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_confide"));
        if json {
            command.arg("--json");
        }
        command
            .args(["chain", "dev", "--port", "0"])
            .args(args)
            .env_remove("CONFIDE_HOME");
        Self(Running::start(command, json, stderr_file))
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `--json` start-up document.
    fn document(&self) -> Value {
        serde_json::from_str(self.lines.last().unwrap()).unwrap()
    }

    /// The address after `label` in the human start-up report (`RLC token    0x…`).
    fn labelled(&self, label: &str) -> Address {
        let line = self
            .lines
            .iter()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} line in {:#?}", self.lines));
        line.split_whitespace().last().unwrap().parse().unwrap()
    }

    /// Entry `(index)` of the human report's `section` (its first word after the index).
    fn entry(&self, section: &str, index: usize) -> String {
        let start = self
            .lines
            .iter()
            .position(|line| line.starts_with(section))
            .unwrap_or_else(|| panic!("no {section:?} section in {:#?}", self.lines));
        let prefix = format!("({index}) ");
        let line = self.lines[start..]
            .iter()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no entry {index} in {section:?}"));
        line.split_whitespace().next().unwrap().to_owned()
    }

    /// Calls `method`; returns its result (panics on an error).
    fn rpc(&self, method: &str, params: Value) -> Value {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (status, body) = crate::http(
            self.addr,
            "POST / HTTP/1.1\r\nContent-Type: application/json",
            request.to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    fn block_number(&self) -> u64 {
        quantity(&self.rpc("eth_blockNumber", json!([])))
    }

    fn latest_block(&self) -> Value {
        self.rpc("eth_getBlockByNumber", json!(["latest", false]))
    }

    fn balance(&self, account: Address) -> U256 {
        let value = self.rpc("eth_getBalance", json!([account, "latest"]));
        value.as_str().unwrap().parse().unwrap()
    }

    fn rlc_balance(&self, token: Address, account: Address) -> U256 {
        let input = Bytes::from(IERC20::balanceOfCall { account }.abi_encode());
        let value = self.rpc("eth_call", json!([{"to": token, "data": input}, "latest"]));
        let bytes: Bytes = serde_json::from_value(value).unwrap();
        U256::from_be_slice(&bytes)
    }

    /// Signs and sends an EIP-1559 transaction at `nonce`; returns its hash.
    fn send(
        &self,
        key: &PrivateKeySigner,
        nonce: u64,
        to: Address,
        value: U256,
        input: Vec<u8>,
    ) -> B256 {
        let tx = TxEip1559 {
            chain_id: 31_337,
            nonce,
            gas_limit: 200_000,
            max_fee_per_gas: 3_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(to),
            value,
            access_list: AccessList::default(),
            input: input.into(),
        };
        let signature: Signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
        let raw: Bytes = TxEnvelope::from(tx.into_signed(signature))
            .encoded_2718()
            .into();
        serde_json::from_value(self.rpc("eth_sendRawTransaction", json!([raw]))).unwrap()
    }

    fn receipt_status(&self, hash: B256) -> u64 {
        quantity(&self.rpc("eth_getTransactionReceipt", json!([hash]))["status"])
    }

    /// SIGKILL, and wait for the process to be gone.
    fn kill9(self) {
        self.0.kill9();
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for a clean exit; returns the exit code.
    fn stop(self, signal: &str) -> Option<i32> {
        self.0.stop(signal)
    }
}

fn quantity(value: &Value) -> u64 {
    let text = value.as_str().unwrap();
    u64::from_str_radix(text.strip_prefix("0x").unwrap(), 16).unwrap()
}

/// Foundry's `tool` (`$CONFIDE_FOUNDRY_BIN/<tool>`, else `<workspace>/target/foundry/bin/<tool>`,
/// where `scripts/foundry` puts anvil and cast), or `None` with a message (a failure under
/// CI=true).
#[allow(clippy::print_stderr)]
pub(crate) fn foundry_tool(tool: &str, test: &str) -> Option<PathBuf> {
    let bin = std::env::var_os("CONFIDE_FOUNDRY_BIN").map_or_else(
        || {
            PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
                .join("../../target/foundry/bin")
        },
        PathBuf::from,
    );
    let path = bin.join(tool);
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "{test}: {tool} is not at {} (run scripts/foundry, or set CONFIDE_FOUNDRY_BIN)",
        path.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("skipped {why}");
    None
}

/// Runs `cast ARGS`; returns its trimmed standard output (panics on failure).
fn cast(binary: &Path, args: &[&str]) -> String {
    let output = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cast {args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Whether `cast receipt HASH status` says the transaction succeeded (cast 1.x prints `true`,
/// older versions `1 (success)`).
fn succeeded(status: &str) -> bool {
    status == "true" || status.split_whitespace().next() == Some("1")
}

/// The integer `cast` prints for a uint (`1000 [1e3]` → 1000).
fn cast_uint(text: &str) -> U256 {
    text.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn cast_reads_and_sends_through_confide_chain_dev() {
    let Some(cast_bin) = foundry_tool("cast", "cast_reads_and_sends_through_confide_chain_dev")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let node = DevNode::start(
        false,
        &["--data-dir", path(&data)],
        &dir.path().join("stderr"),
    );
    let url = node.url();
    let rpc = ["--rpc-url", url.as_str()];
    let cast = |args: &[&str]| cast(&cast_bin, &[args, &rpc].concat());

    // The report names the well-known dev accounts and the deployed contracts.
    assert!(node.lines.iter().any(|l| l == "Available Accounts"));
    assert_eq!(
        node.entry("Available Accounts", 0),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert!(
        node.lines
            .iter()
            .any(|l| l.starts_with("Mnemonic:") && l.ends_with("test junk"))
    );
    let owner_key = node.entry("Private Keys", 0);
    assert_eq!(
        owner_key,
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    );
    let user_key = node.entry("Private Keys", 1);
    let user: Address = node.entry("Available Accounts", 1).parse().unwrap();
    let token = node.labelled("RLC token");
    let protocol = node.labelled("Protocol (router)");
    let (token_s, protocol_s, user_s) = (token.to_string(), protocol.to_string(), user.to_string());

    assert_eq!(cast(&["chain-id"]), "31337");
    assert_eq!(cast(&["block-number"]), "0");
    let rlc_of = |account: &str| {
        cast_uint(&cast(&[
            "call",
            &token_s,
            "balanceOf(address)(uint256)",
            account,
        ]))
    };
    // 1 000 000 RLC (9 decimals) per dev account but the owner.
    assert_eq!(rlc_of(&user_s), U256::from(1_000_000_000_000_000u64));
    assert_eq!(
        cast(&["call", &protocol_s, "name()(string)"]),
        "\"Staked RLC\""
    );
    assert_eq!(
        cast(&["call", &protocol_s, "token()(address)"]).to_lowercase(),
        token_s.to_lowercase()
    );

    // Ether from account 0 to a fresh address.
    let recipient = "0x000000000000000000000000000000000000c0fe";
    let owner: Address = node.entry("Available Accounts", 0).parse().unwrap();
    let owner_before = node.balance(owner);
    let sent = cast(&[
        "send",
        "--json",
        "--private-key",
        &owner_key,
        recipient,
        "--value",
        "1ether",
    ]);
    let receipt: Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let ether = U256::from(10u64).pow(U256::from(18u64));
    assert_eq!(cast_uint(&cast(&["balance", recipient])), ether);
    assert!(
        node.balance(owner) < owner_before - ether,
        "the sender pays gas too"
    );
    let hash = receipt["transactionHash"].as_str().unwrap();
    assert!(succeeded(&cast(&["receipt", hash, "status"])));
    assert_eq!(cast(&["block-number"]), "1");

    // Contract calls: an RLC transfer, then approve + deposit into the protocol (SRLC).
    let rlc_before = rlc_of(&user_s);
    let transfer = cast(&[
        "send",
        "--json",
        "--private-key",
        &user_key,
        &token_s,
        "transfer(address,uint256)",
        recipient,
        "12345",
    ]);
    let transfer: Value = serde_json::from_str(&transfer).unwrap();
    let transfer_hash = transfer["transactionHash"].as_str().unwrap();
    assert!(succeeded(&cast(&["receipt", transfer_hash, "status"])));
    assert_eq!(rlc_of(recipient), U256::from(12_345u64));
    assert_eq!(rlc_of(&user_s), rlc_before - U256::from(12_345u64));
    cast(&[
        "send",
        "--private-key",
        &user_key,
        &token_s,
        "approve(address,uint256)",
        &protocol_s,
        "500",
    ]);
    let deposit = cast(&[
        "send",
        "--json",
        "--private-key",
        &user_key,
        &protocol_s,
        "deposit(uint256)",
        "500",
    ]);
    let deposit: Value = serde_json::from_str(&deposit).unwrap();
    assert_eq!(deposit["status"], "0x1", "{deposit}");
    assert_eq!(
        cast_uint(&cast(&[
            "call",
            &protocol_s,
            "balanceOf(address)(uint256)",
            &user_s
        ])),
        U256::from(500u64)
    );
    assert_eq!(rlc_of(&user_s), rlc_before - U256::from(12_845u64));
    assert_eq!(cast(&["block-number"]), "4");

    // A reverting send is refused with the reason (more RLC than the account has).
    let output = Command::new(&cast_bin)
        .args([
            "send",
            "--private-key",
            &user_key,
            &token_s,
            "transfer(address,uint256)",
        ])
        .args([recipient, "1000000000000000000000"])
        .args(rpc)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert_eq!(cast(&["block-number"]), "4");

    // SIGTERM stops it cleanly; the state is back after a restart.
    assert_eq!(node.stop("TERM"), Some(0));
    let node = DevNode::start(
        true,
        &["--data-dir", path(&data)],
        &dir.path().join("stderr2"),
    );
    assert_eq!(node.document()["blockNumber"], 4);
    assert_eq!(
        node.rlc_balance(token, recipient.parse().unwrap()),
        U256::from(12_345u64)
    );
}

#[test]
fn sigkill_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let node = DevNode::start(
        true,
        &["--data-dir", path(&data)],
        &dir.path().join("stderr"),
    );
    let document = node.document();
    assert_eq!(document["blockNumber"], 0);
    assert_eq!(document["chainId"], 31_337);
    assert_eq!(document["dataDir"], path(&data));
    let token: Address = serde_json::from_value(document["contracts"]["token"].clone()).unwrap();
    let keys: Vec<PrivateKeySigner> = document["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|account| account["privateKey"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(keys.len(), 10);
    let first: Address = document["accounts"][0]["address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(keys[0].address(), first);
    let senders = &keys[1..5];
    let recipients: Vec<Address> = (0..5u8)
        .map(|i| Address::with_last_byte(0xa0 + i))
        .collect();

    // 20 transactions: ether and RLC transfers from four senders to five recipients.
    let mut nonces = [0u64; 4];
    let mut hashes = Vec::new();
    for i in 0..20usize {
        let sender = i % senders.len();
        let to = recipients[i % recipients.len()];
        let hash = if i % 2 == 0 {
            let value = U256::from(1_000_000_000_000u64 + i as u64);
            node.send(&senders[sender], nonces[sender], to, value, Vec::new())
        } else {
            let call = IERC20::transferCall {
                to,
                value: U256::from(1_000 + i as u64),
            };
            node.send(
                &senders[sender],
                nonces[sender],
                token,
                U256::ZERO,
                call.abi_encode(),
            )
        };
        nonces[sender] += 1;
        hashes.push(hash);
    }
    assert!(hashes.iter().all(|hash| node.receipt_status(*hash) == 1));
    let accounts: Vec<Address> = senders
        .iter()
        .map(PrivateKeySigner::address)
        .chain(recipients.iter().copied())
        .collect();
    let snapshot = |node: &DevNode| {
        let latest = node.latest_block();
        let balances: Vec<(U256, U256)> = accounts
            .iter()
            .map(|a| (node.balance(*a), node.rlc_balance(token, *a)))
            .collect();
        (
            node.block_number(),
            latest["stateRoot"].clone(),
            latest["hash"].clone(),
            balances,
        )
    };
    let before = snapshot(&node);
    assert_eq!(before.0, 20);
    assert!(
        before.3[4..]
            .iter()
            .all(|(ether, rlc)| !ether.is_zero() && !rlc.is_zero())
    );

    node.kill9();
    let node = DevNode::start(
        true,
        &["--data-dir", path(&data)],
        &dir.path().join("stderr2"),
    );
    assert_eq!(node.document()["blockNumber"], 20);
    assert_eq!(snapshot(&node), before);
    for hash in &hashes {
        assert_eq!(node.receipt_status(*hash), 1);
    }

    // The reloaded chain goes on.
    let hash = node.send(
        &senders[0],
        nonces[0],
        recipients[0],
        U256::from(7u64),
        Vec::new(),
    );
    assert_eq!(node.receipt_status(hash), 1);
    assert_eq!(node.block_number(), 21);
    assert_eq!(
        node.balance(recipients[0]),
        before.3[4].0 + U256::from(7u64)
    );
}

#[test]
fn hostile_starts_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let node = DevNode::start(
        true,
        &["--data-dir", path(&data)],
        &dir.path().join("stderr"),
    );
    let port = node.addr.port().to_string();

    // The port is taken.
    let output = confide(&["chain", "dev", "--ephemeral", "--port", &port]);
    assert_code(&output, 1);
    let message = stderr(&output);
    assert!(
        message.contains(&format!("port {port} is already in use")),
        "{message}"
    );
    assert!(message.contains("--port"), "{message}");

    // The data directory is in use.
    let output = confide(&["chain", "dev", "--port", "0", "--data-dir", path(&data)]);
    assert_code(&output, 1);
    let message = stderr(&output);
    assert!(
        message.contains("is in use by another `confide chain dev`"),
        "{message}"
    );
    node.kill9();

    // The data directory holds a chain of another genesis.
    let output = confide(&[
        "chain",
        "dev",
        "--port",
        "0",
        "--data-dir",
        path(&data),
        "--chain-id",
        "5",
    ]);
    assert_code(&output, 1);
    let message = stderr(&output);
    assert!(message.contains("holds another chain"), "{message}");
    let output = confide(&[
        "chain",
        "dev",
        "--port",
        "0",
        "--data-dir",
        path(&data),
        "--accounts",
        "3",
    ]);
    assert_fails(&output, 1, "holds another chain");

    // The data directory is a file; the journal is not one.
    let file = dir.path().join("file");
    std::fs::write(&file, b"not a directory").unwrap();
    let output = confide(&["chain", "dev", "--port", "0", "--data-dir", path(&file)]);
    assert_fails(&output, 1, "cannot create the data directory");
    let garbage = dir.path().join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(garbage.join("chain.journal"), b"GARBAGE GARBAGE GARBAGE").unwrap();
    let output = confide(&["chain", "dev", "--port", "0", "--data-dir", path(&garbage)]);
    assert_fails(&output, 1, "cannot open the dev chain in");

    // Usage errors.
    assert_code(
        &confide(&["chain", "dev", "--ephemeral", "--data-dir", "x"]),
        2,
    );
    assert_code(&confide(&["chain", "dev", "--block-time", "0"]), 2);
    assert_code(&confide(&["chain", "dev", "--port", "70000"]), 2);
}

#[test]
fn ephemeral_chain_with_interval_mining() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(
        true,
        &[
            "--ephemeral",
            "--block-time",
            "1",
            "--chain-id",
            "1337",
            "--accounts",
            "2",
        ],
        &dir.path().join("stderr"),
    );
    let document = node.document();
    assert_eq!(document["dataDir"], Value::Null);
    assert_eq!(document["chainId"], 1337);
    assert_eq!(document["blockTime"], 1);
    assert_eq!(document["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(node.rpc("eth_chainId", json!([])), "0x539");
    // A transaction waits for the next interval block (polled: no timing is asserted).
    let key: PrivateKeySigner = document["accounts"][1]["privateKey"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let tx = TxEip1559 {
        chain_id: 1337,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 3_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0xc0)),
        value: U256::from(1u64),
        access_list: AccessList::default(),
        input: Bytes::new(),
    };
    let signature: Signature = key.sign_hash_sync(&tx.signature_hash()).unwrap();
    let raw: Bytes = TxEnvelope::from(tx.into_signed(signature))
        .encoded_2718()
        .into();
    let hash = node.rpc("eth_sendRawTransaction", json!([raw]));
    // Bounded only so that a broken miner fails instead of hanging.
    let receipt = (0..600)
        .find_map(|_| {
            let receipt = node.rpc("eth_getTransactionReceipt", json!([hash]));
            std::thread::sleep(Duration::from_millis(100));
            (!receipt.is_null()).then_some(receipt)
        })
        .expect("the transaction is never mined");
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(node.stop("INT"), Some(0));
    assert!(!dir.path().join("chain").exists());
}
