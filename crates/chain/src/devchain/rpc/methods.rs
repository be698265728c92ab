//! Request parsing, method dispatch and the JSON encoding of blocks, transactions, receipts
//! and logs.

use super::{CLIENT_VERSION, Shared};
use crate::deploy::Deployment;
use crate::devchain::blocks::{Block, LogEntry, Receipt, TransactionRecord};
use crate::devchain::{CallRequest, DevChain, DevChainError, LogFilter};
use crate::evm::{EvmError, Revert};
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U128, U256};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// JSON-RPC error codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;
const SERVER_ERROR: i64 = -32000;
const EXECUTION_REVERTED: i64 = 3;

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// The code.
    pub code: i64,
    /// The message.
    pub message: String,
    /// Extra data (the revert data of a reverted call).
    pub data: Option<Value>,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    fn invalid_params(message: impl std::fmt::Display) -> Self {
        Self::new(INVALID_PARAMS, format!("invalid params: {message}"))
    }

    fn to_json(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }
}

impl From<DevChainError> for RpcError {
    fn from(error: DevChainError) -> Self {
        match error {
            DevChainError::Evm(EvmError::Reverted { revert, .. }) => reverted(&revert, None),
            DevChainError::Tx(_)
            | DevChainError::UnknownBlock(_)
            | DevChainError::StateUnavailable { .. }
            | DevChainError::TimestampInPast { .. }
            | DevChainError::Evm(_) => Self::new(SERVER_ERROR, error.to_string()),
            other => Self::new(INTERNAL_ERROR, other.to_string()),
        }
    }
}

/// The error of a failed call: code 3 with the revert data for a revert (as geth), `-32000`
/// for a halt (out of gas, invalid opcode...).
fn reverted(revert: &Revert, output: Option<&Bytes>) -> RpcError {
    if let Revert::Halt(reason) = revert {
        return RpcError::new(SERVER_ERROR, reason.clone());
    }
    let message = match revert.reason() {
        Some(reason) => format!("execution reverted: {reason}"),
        None => "execution reverted".to_owned(),
    };
    let data = output.cloned().unwrap_or_else(|| revert_data(revert));
    RpcError {
        code: EXECUTION_REVERTED,
        message,
        data: Some(json!(data)),
    }
}

/// Re-encodes revert data from its decoded form.
fn revert_data(revert: &Revert) -> Bytes {
    use alloy_sol_types::SolError;
    match revert {
        Revert::Error(reason) => alloy_sol_types::Revert::from(reason.as_str())
            .abi_encode()
            .into(),
        Revert::Panic(code) => alloy_sol_types::Panic { code: *code }.abi_encode().into(),
        Revert::Custom { selector, data } => [selector.as_slice(), data.as_ref()].concat().into(),
        Revert::Malformed(data) => data.clone(),
        Revert::Empty | Revert::Halt(_) => Bytes::new(),
    }
}

/// The installed log filters.
#[derive(Debug, Default)]
pub(super) struct Filters {
    next_id: u64,
    filters: HashMap<u64, InstalledFilter>,
}

#[derive(Debug)]
struct InstalledFilter {
    filter: LogFilter,
    /// The first block not reported yet.
    next_block: u64,
}

/// Handles a request body (one request or a batch); `None` when there is nothing to answer
/// (notifications only).
pub(super) fn handle_body(shared: &Shared, body: &[u8]) -> Option<Vec<u8>> {
    let answer = match serde_json::from_slice::<Value>(body) {
        Err(e) => Some(error_response(
            Value::Null,
            &RpcError::new(PARSE_ERROR, format!("parse error: {e}")),
        )),
        Ok(Value::Array(requests)) => {
            if requests.is_empty() {
                Some(error_response(
                    Value::Null,
                    &RpcError::new(INVALID_REQUEST, "invalid request: empty batch"),
                ))
            } else if requests.len() > shared.max_batch {
                Some(error_response(
                    Value::Null,
                    &RpcError::new(
                        INVALID_REQUEST,
                        format!("invalid request: batch above {} requests", shared.max_batch),
                    ),
                ))
            } else {
                let answers: Vec<Value> = requests
                    .into_iter()
                    .filter_map(|request| handle_request(shared, request))
                    .collect();
                (!answers.is_empty()).then_some(Value::Array(answers))
            }
        }
        Ok(request) => handle_request(shared, request),
    };
    answer.map(|answer| serde_json::to_vec(&answer).unwrap_or_default())
}

fn error_response(id: Value, error: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": error.to_json() })
}

/// Handles one request; `None` for a notification (no `id`).
fn handle_request(shared: &Shared, request: Value) -> Option<Value> {
    let Value::Object(mut request) = request else {
        return Some(error_response(
            Value::Null,
            &RpcError::new(INVALID_REQUEST, "invalid request: not an object"),
        ));
    };
    let id = request.remove("id");
    let valid_id = matches!(
        id,
        None | Some(Value::Null | Value::Number(_) | Value::String(_))
    );
    let method = match request.remove("method") {
        Some(Value::String(method)) => Some(method),
        _ => None,
    };
    let params = request.remove("params");
    let version_ok = request.get("jsonrpc").and_then(Value::as_str) == Some("2.0");
    let params_ok = matches!(params, None | Some(Value::Array(_) | Value::Null));
    let (Some(method), true, true, true) = (method, version_ok, valid_id, params_ok) else {
        let id = if valid_id {
            id.unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        return Some(error_response(
            id,
            &RpcError::new(
                INVALID_REQUEST,
                "invalid request: expected jsonrpc \"2.0\", a method name, an id and positional params",
            ),
        ));
    };
    let params = match params {
        Some(Value::Array(params)) => params,
        _ => Vec::new(),
    };
    let result = dispatch(shared, &method, &Params(params));
    let id = id?;
    Some(match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(error) => error_response(id, &error),
    })
}

/// Positional parameters.
struct Params(Vec<Value>);

impl Params {
    /// Parameter `i`, required.
    fn get<T: DeserializeOwned>(&self, i: usize) -> Result<T, RpcError> {
        match self.0.get(i) {
            None | Some(Value::Null) => {
                Err(RpcError::invalid_params(format!("missing parameter {i}")))
            }
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|e| RpcError::invalid_params(format!("parameter {i}: {e}"))),
        }
    }

    /// Parameter `i`, optional.
    fn opt<T: DeserializeOwned>(&self, i: usize) -> Result<Option<T>, RpcError> {
        match self.0.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.get(i).map(Some),
        }
    }
}

fn lock(shared: &Shared) -> Result<std::sync::MutexGuard<'_, DevChain>, RpcError> {
    shared
        .chain
        .lock()
        .map_err(|_| RpcError::new(INTERNAL_ERROR, "the chain lock is poisoned"))
}

fn quantity(n: impl Into<u128>) -> Value {
    Value::String(format!("{:#x}", n.into()))
}

fn dispatch(shared: &Shared, method: &str, params: &Params) -> Result<Value, RpcError> {
    let chain = || lock(shared);
    match method {
        "web3_clientVersion" => Ok(json!(CLIENT_VERSION)),
        "eth_chainId" => Ok(quantity(chain()?.chain_id())),
        "net_version" => Ok(json!(chain()?.chain_id().to_string())),
        "net_listening" => Ok(json!(true)),
        // Where the genesis deployed the protocol (what `confide chain deploy` writes to a file).
        "confide_deployment" => {
            let chain = chain()?;
            let deployment = Deployment::new(chain.protocol(), chain.chain_id(), Some(0));
            serde_json::to_value(deployment)
                .map_err(|e| RpcError::new(INTERNAL_ERROR, e.to_string()))
        }
        "eth_accounts" => Ok(json!(
            chain()?
                .accounts()
                .iter()
                .map(|a| a.address)
                .collect::<Vec<_>>()
        )),
        "eth_blockNumber" => Ok(quantity(chain()?.block_number())),
        "eth_gasPrice" => Ok(quantity(chain()?.gas_price())),
        "eth_maxPriorityFeePerGas" => Ok(quantity(chain()?.max_priority_fee_per_gas())),
        "eth_getBalance" => {
            let account: Address = params.get(0)?;
            let chain = chain()?;
            let tag = state_tag(&chain, params.opt(1)?)?;
            Ok(json!(chain.balance(account, tag)?))
        }
        "eth_getTransactionCount" => {
            let account: Address = params.get(0)?;
            let chain = chain()?;
            let tag = state_tag(&chain, params.opt(1)?)?;
            Ok(quantity(chain.nonce(account, tag)?))
        }
        "eth_getCode" => {
            let account: Address = params.get(0)?;
            let chain = chain()?;
            let tag = state_tag(&chain, params.opt(1)?)?;
            Ok(json!(chain.code(account, tag)?))
        }
        "eth_getStorageAt" => {
            let account: Address = params.get(0)?;
            let slot: U256 = params.get(1)?;
            let chain = chain()?;
            let tag = state_tag(&chain, params.opt(2)?)?;
            let value = chain.storage(account, slot, tag)?;
            Ok(json!(B256::from(value)))
        }
        "eth_feeHistory" => {
            let count: U64 = params.get(0)?;
            let newest: BlockNumberOrTag = params.get(1)?;
            let percentiles: Vec<f64> = params.opt(2)?.unwrap_or_default();
            if percentiles.iter().any(|p| !(0.0..=100.0).contains(p))
                || percentiles.windows(2).any(|w| w[0] > w[1])
            {
                return Err(RpcError::invalid_params(
                    "reward percentiles must be ascending, within 0-100",
                ));
            }
            let history = chain()?.fee_history(count.to(), newest, &percentiles)?;
            let mut answer = json!({
                "oldestBlock": quantity(history.oldest_block),
                "baseFeePerGas": history.base_fee_per_gas.iter().map(|f| quantity(*f)).collect::<Vec<_>>(),
                "gasUsedRatio": history.gas_used_ratio,
            });
            if !percentiles.is_empty() {
                answer["reward"] = history
                    .reward
                    .iter()
                    .map(|r| r.iter().map(|f| quantity(*f)).collect::<Value>())
                    .collect();
            }
            Ok(answer)
        }
        "eth_call" => {
            let request: CallArgs = params.get(0)?;
            let chain = chain()?;
            let tag = state_tag(&chain, params.opt(1)?)?;
            let outcome = chain.call(&request.into_request(), tag)?;
            match &outcome.revert {
                None => Ok(json!(outcome.output)),
                Some(revert) => Err(reverted(revert, Some(&outcome.output))),
            }
        }
        "eth_estimateGas" => {
            let request = params.get::<CallArgs>(0)?.into_request();
            let chain = chain()?;
            let tag = state_tag(&chain, params.opt(1)?)?;
            match chain.estimate_gas(&request, tag) {
                Ok(gas) => Ok(quantity(gas)),
                Err(DevChainError::Evm(EvmError::Reverted { revert, .. })) => {
                    // The raw revert data, from the call at full gas.
                    let output = chain.call(&request, tag).ok().map(|o| o.output);
                    Err(reverted(&revert, output.as_ref()))
                }
                Err(error) => Err(error.into()),
            }
        }
        "eth_sendRawTransaction" => {
            let raw: Bytes = params.get(0)?;
            Ok(json!(chain()?.send_raw_transaction(&raw)?))
        }
        "eth_getTransactionByHash" => {
            let hash: B256 = params.get(0)?;
            let chain = chain()?;
            Ok(match chain.transaction(&hash) {
                Some(record) => transaction_json(record),
                None => match chain
                    .pending_transactions()
                    .iter()
                    .find(|tx| tx.hash == hash)
                {
                    Some(tx) => pending_transaction_json(tx),
                    None => Value::Null,
                },
            })
        }
        "eth_getTransactionReceipt" => {
            let hash: B256 = params.get(0)?;
            Ok(chain()?.receipt(&hash).map_or(Value::Null, receipt_json))
        }
        "eth_getBlockByNumber" => {
            let tag: BlockNumberOrTag = params.get(0)?;
            let full: bool = params.opt(1)?.unwrap_or(false);
            let chain = chain()?;
            Ok(chain
                .block(tag)
                .map_or(Value::Null, |b| block_json(&chain, b, full)))
        }
        "eth_getBlockByHash" => {
            let hash: B256 = params.get(0)?;
            let full: bool = params.opt(1)?.unwrap_or(false);
            let chain = chain()?;
            Ok(chain
                .block_by_hash(&hash)
                .map_or(Value::Null, |b| block_json(&chain, b, full)))
        }
        "eth_getLogs" => {
            let filter = parse_filter(params.get(0)?)?;
            let logs = chain()?.logs(&filter)?;
            Ok(logs.iter().map(log_json).collect())
        }
        "eth_newFilter" => {
            let filter = parse_filter(params.get(0)?)?;
            if filter.block_hash.is_some() {
                return Err(RpcError::invalid_params("a filter cannot have a blockHash"));
            }
            let next_block = chain()?.block_number() + 1;
            let mut filters = lock_filters(shared)?;
            filters.next_id += 1;
            let id = filters.next_id;
            filters
                .filters
                .insert(id, InstalledFilter { filter, next_block });
            Ok(quantity(id))
        }
        "eth_getFilterChanges" | "eth_getFilterLogs" => {
            let id: U64 = params.get(0)?;
            let chain = chain()?;
            let mut filters = lock_filters(shared)?;
            let Some(installed) = filters.filters.get_mut(&id.to()) else {
                return Err(RpcError::new(SERVER_ERROR, "filter not found"));
            };
            let latest = chain.block_number();
            let mut filter = installed.filter.clone();
            if method == "eth_getFilterChanges" {
                let from = installed.next_block;
                let to = match filter.to_block {
                    Some(tag) => chain.resolve(tag).unwrap_or(latest).min(latest),
                    None => latest,
                };
                installed.next_block = latest + 1;
                if from > to {
                    return Ok(json!([]));
                }
                filter.from_block = Some(BlockNumberOrTag::Number(from));
                filter.to_block = Some(BlockNumberOrTag::Number(to));
            }
            let logs = chain.logs(&filter)?;
            Ok(logs.iter().map(log_json).collect())
        }
        "eth_uninstallFilter" => {
            let id: U64 = params.get(0)?;
            Ok(json!(
                lock_filters(shared)?.filters.remove(&id.to()).is_some()
            ))
        }
        "evm_increaseTime" => {
            let seconds: Seconds = params.get(0)?;
            let offset = chain()?.increase_time(seconds.0)?;
            Ok(quantity(offset))
        }
        "evm_setNextBlockTimestamp" => {
            let timestamp: Seconds = params.get(0)?;
            chain()?.set_next_block_timestamp(timestamp.0)?;
            Ok(Value::Null)
        }
        "evm_mine" => {
            let mut chain = chain()?;
            if let Some(timestamp) = params.opt::<Seconds>(0)? {
                chain.set_next_block_timestamp(timestamp.0)?;
            }
            chain.mine()?;
            Ok(json!("0x0"))
        }
        "evm_setAutomine" => {
            let automine: bool = params.get(0)?;
            chain()?.set_automine(automine);
            Ok(Value::Null)
        }
        _ => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("the method {method} does not exist/is not available"),
        )),
    }
}

fn lock_filters(shared: &Shared) -> Result<std::sync::MutexGuard<'_, Filters>, RpcError> {
    shared
        .filters
        .lock()
        .map_err(|_| RpcError::new(INTERNAL_ERROR, "the filter lock is poisoned"))
}

/// The block tag of a state query (a block hash designates its number; latest by default).
fn state_tag(chain: &DevChain, id: Option<BlockId>) -> Result<BlockNumberOrTag, RpcError> {
    match id {
        None => Ok(BlockNumberOrTag::Latest),
        Some(BlockId::Number(tag)) => Ok(tag),
        Some(BlockId::Hash(hash)) => chain
            .block_by_hash(&hash.block_hash)
            .map(|b| BlockNumberOrTag::Number(b.number()))
            .ok_or_else(|| {
                RpcError::new(SERVER_ERROR, format!("unknown block {}", hash.block_hash))
            }),
    }
}

/// Seconds, as a JSON number or a quantity.
struct Seconds(u64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(u64),
            Quantity(U64),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Number(n) => Self(n),
            Either::Quantity(q) => Self(q.to()),
        })
    }
}

/// The transaction object of `eth_call` / `eth_estimateGas`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallArgs {
    from: Option<Address>,
    to: Option<Address>,
    gas: Option<U64>,
    gas_price: Option<U128>,
    max_fee_per_gas: Option<U128>,
    max_priority_fee_per_gas: Option<U128>,
    value: Option<U256>,
    input: Option<Bytes>,
    data: Option<Bytes>,
}

impl CallArgs {
    fn into_request(self) -> CallRequest {
        CallRequest {
            from: self.from,
            to: self.to,
            gas: self.gas.map(|g| g.to()),
            gas_price: self.max_fee_per_gas.or(self.gas_price).map(|p| p.to()),
            max_priority_fee_per_gas: self.max_priority_fee_per_gas.map(|p| p.to()),
            value: self.value,
            input: self.input.or(self.data).unwrap_or_default(),
        }
    }
}

/// Parses an `eth_getLogs` / `eth_newFilter` filter object.
fn parse_filter(value: Value) -> Result<LogFilter, RpcError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        One(T),
        Many(Vec<T>),
    }
    impl<T> OneOrMany<T> {
        fn into_vec(self) -> Vec<T> {
            match self {
                Self::One(one) => vec![one],
                Self::Many(many) => many,
            }
        }
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Filter {
        from_block: Option<BlockNumberOrTag>,
        to_block: Option<BlockNumberOrTag>,
        block_hash: Option<B256>,
        address: Option<OneOrMany<Address>>,
        topics: Option<Vec<Option<OneOrMany<B256>>>>,
    }
    let filter: Filter = serde_json::from_value(value)
        .map_err(|e| RpcError::invalid_params(format!("filter: {e}")))?;
    if filter.block_hash.is_some() && (filter.from_block.is_some() || filter.to_block.is_some()) {
        return Err(RpcError::invalid_params(
            "a filter has either a blockHash or fromBlock/toBlock",
        ));
    }
    Ok(LogFilter {
        block_hash: filter.block_hash,
        from_block: filter.from_block,
        to_block: filter.to_block,
        addresses: filter.address.map(OneOrMany::into_vec).unwrap_or_default(),
        topics: filter
            .topics
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.map(OneOrMany::into_vec).unwrap_or_default())
            .collect(),
    })
}

fn block_json(chain: &DevChain, block: &Block, full: bool) -> Value {
    let mut json = serde_json::to_value(&block.header).unwrap_or_default();
    let transactions: Vec<Value> = if full {
        chain
            .block_transactions(block.number())
            .unwrap_or_default()
            .iter()
            .map(transaction_json)
            .collect()
    } else {
        block.transactions.iter().map(|h| json!(h)).collect()
    };
    if let Value::Object(map) = &mut json {
        map.insert("hash".into(), json!(block.hash));
        map.insert(
            "size".into(),
            quantity(alloy_rlp::Encodable::length(&block.header) as u64),
        );
        map.insert("totalDifficulty".into(), json!("0x0"));
        map.insert("uncles".into(), json!([]));
        map.insert("withdrawals".into(), json!([]));
        map.insert("transactions".into(), Value::Array(transactions));
    }
    json
}

fn transaction_json(record: &TransactionRecord) -> Value {
    let mut json = envelope_json(&record.tx.envelope, record.tx.from);
    if let Value::Object(map) = &mut json {
        map.insert("blockHash".into(), json!(record.block_hash));
        map.insert("blockNumber".into(), quantity(record.block_number));
        map.insert("transactionIndex".into(), quantity(record.index));
        map.insert("gasPrice".into(), quantity(record.effective_gas_price));
    }
    json
}

fn pending_transaction_json(tx: &crate::devchain::SignedTx) -> Value {
    let mut json = envelope_json(&tx.envelope, tx.from);
    if let Value::Object(map) = &mut json {
        map.insert("blockHash".into(), Value::Null);
        map.insert("blockNumber".into(), Value::Null);
        map.insert("transactionIndex".into(), Value::Null);
        if !map.contains_key("gasPrice") {
            map.insert("gasPrice".into(), quantity(tx.max_fee()));
        }
    }
    json
}

fn envelope_json(envelope: &alloy_consensus::TxEnvelope, from: Address) -> Value {
    let mut json = serde_json::to_value(envelope).unwrap_or_else(|_| Value::Object(Map::new()));
    if let Value::Object(map) = &mut json {
        map.insert("from".into(), json!(from));
        map.entry("hash")
            .or_insert_with(|| json!(envelope.tx_hash()));
        map.entry("to").or_insert(Value::Null);
    }
    json
}

fn receipt_json(receipt: &Receipt) -> Value {
    json!({
        "transactionHash": receipt.transaction_hash,
        "transactionIndex": quantity(receipt.transaction_index),
        "blockHash": receipt.block_hash,
        "blockNumber": quantity(receipt.block_number),
        "from": receipt.from,
        "to": receipt.to,
        "cumulativeGasUsed": quantity(receipt.cumulative_gas_used),
        "gasUsed": quantity(receipt.gas_used),
        "effectiveGasPrice": quantity(receipt.effective_gas_price),
        "contractAddress": receipt.contract_address,
        "logs": receipt.logs.iter().map(log_json).collect::<Vec<_>>(),
        "logsBloom": receipt.logs_bloom,
        "type": quantity(receipt.tx_type as u8),
        "status": quantity(u8::from(receipt.status)),
    })
}

fn log_json(entry: &LogEntry) -> Value {
    json!({
        "address": entry.log.address,
        "topics": entry.log.topics(),
        "data": entry.log.data.data,
        "blockNumber": quantity(entry.block_number),
        "blockHash": entry.block_hash,
        "blockTimestamp": quantity(entry.block_timestamp),
        "transactionHash": entry.transaction_hash,
        "transactionIndex": quantity(entry.transaction_index),
        "logIndex": quantity(entry.log_index),
        "removed": false,
    })
}
