//! Sending transactions: estimate, price, sign with a managed nonce, broadcast, wait.
//!
//! The nonce manager keeps, per signer, the next nonce to use behind an async mutex held only
//! from signing to the node's acceptance, so concurrent sends from one signer get consecutive
//! nonces while their receipts are awaited in parallel. Anything that leaves the node's view
//! uncertain (a refused or failed broadcast) forgets the cached nonce: the next send asks the
//! node (`eth_getTransactionCount` of the pending block) again.

use super::{Client, ClientError, RpcFailure, reverted_or_rpc};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_sol_types::{SolCall, SolEvent};
use std::time::Instant;
use tokio::sync::Mutex;

/// A signing key and its nonce.
#[derive(Debug)]
pub(crate) struct Account {
    wallet: EthereumWallet,
    /// The next nonce, when known.
    next_nonce: Mutex<Option<u64>>,
}

impl Account {
    pub(crate) fn new(wallet: EthereumWallet) -> Self {
        Self {
            wallet,
            next_nonce: Mutex::new(None),
        }
    }
}

/// A transaction to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxSpec {
    /// The callee, or a creation.
    pub to: TxKind,
    /// Calldata or init code.
    pub input: Bytes,
    /// Ether sent, in wei.
    pub value: U256,
    /// A gas limit instead of the estimate.
    pub gas_limit: Option<u64>,
}

impl TxSpec {
    /// A call of `input` on `to`.
    pub fn call(to: Address, input: impl Into<Bytes>) -> Self {
        Self {
            to: TxKind::Call(to),
            input: input.into(),
            value: U256::ZERO,
            gas_limit: None,
        }
    }

    /// A contract creation.
    pub fn create(init_code: impl Into<Bytes>) -> Self {
        Self {
            to: TxKind::Create,
            input: init_code.into(),
            value: U256::ZERO,
            gas_limit: None,
        }
    }

    /// An ether transfer.
    pub fn transfer(to: Address, wei: U256) -> Self {
        Self {
            value: wei,
            ..Self::call(to, Bytes::new())
        }
    }
}

/// A mined, successful transaction.
#[derive(Debug, Clone)]
pub struct Mined {
    /// The receipt (status 1).
    pub receipt: TransactionReceipt,
}

impl Mined {
    /// The transaction hash.
    pub fn hash(&self) -> B256 {
        self.receipt.transaction_hash
    }

    /// Its block.
    pub fn block(&self) -> u64 {
        self.receipt.block_number.unwrap_or_default()
    }

    /// Gas used.
    pub fn gas_used(&self) -> u64 {
        self.receipt.gas_used
    }

    /// The events `E` it emitted (from any contract), decoded.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.receipt
            .inner
            .logs()
            .iter()
            .filter_map(|log| E::decode_log(&log.inner).ok().map(|l| l.data))
            .collect()
    }

    /// The first event `E`, or a decode error naming it.
    pub fn event<E: SolEvent>(&self) -> Result<E, ClientError> {
        self.events::<E>()
            .into_iter()
            .next()
            .ok_or_else(|| ClientError::Decode {
                what: format!("event {} of transaction {}", E::SIGNATURE, self.hash()),
                reason: "not emitted".to_owned(),
            })
    }
}

/// Whether a broadcast error says the node already has this transaction or its nonce is used.
fn is_nonce_conflict(error: &RpcFailure) -> bool {
    let Some(payload) = error.as_error_resp() else {
        return false;
    };
    let message = payload.message.to_ascii_lowercase();
    [
        "nonce too low",
        "already known",
        "already imported",
        "known transaction",
        "nonce is too low",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl<P: Provider> Client<P> {
    /// Sends `call` to `to` from `from` and waits until it is mined.
    pub async fn send<C: SolCall>(
        &self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<Mined, ClientError> {
        self.send_tx(from, TxSpec::call(to, call.abi_encode()), C::SIGNATURE)
            .await
    }

    /// [`send`](Self::send) to the protocol address.
    pub async fn protocol_send<C: SolCall>(
        &self,
        from: Address,
        call: &C,
    ) -> Result<Mined, ClientError> {
        self.send(from, self.deployment.protocol, call).await
    }

    /// Sends a transaction from `from` and waits until it is mined; `what` names it in errors.
    pub async fn send_tx(
        &self,
        from: Address,
        spec: TxSpec,
        what: &str,
    ) -> Result<Mined, ClientError> {
        let hash = self.submit(from, &spec, what).await?;
        self.wait_mined(hash, from, &spec, what).await
    }

    /// Estimates, signs and broadcasts a transaction from `from`; returns its hash once the
    /// node accepted it. A revert found by the estimation sends nothing.
    pub async fn submit(
        &self,
        from: Address,
        spec: &TxSpec,
        what: &str,
    ) -> Result<B256, ClientError> {
        let account = self
            .signers
            .get(&from)
            .ok_or(ClientError::UnknownSigner(from))?;
        let mut request = TransactionRequest::default()
            .from(from)
            .input(spec.input.clone().into())
            .value(spec.value);
        request.to = Some(spec.to);
        let gas_limit = match spec.gas_limit {
            Some(limit) => limit,
            None => {
                let estimate = self
                    .config
                    .retry
                    .run("eth_estimateGas", || async {
                        self.provider.estimate_gas(request.clone()).await
                    })
                    .await
                    .map_err(|source| reverted_or_rpc(what, "eth_estimateGas", source))?;
                estimate.saturating_mul(100 + self.config.gas_margin_percent) / 100
            }
        };
        let fees = self
            .config
            .retry
            .request("eth_feeHistory", || async {
                self.provider.estimate_eip1559_fees().await
            })
            .await?;
        let request = request
            .with_chain_id(self.chain_id)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);

        // One broadcast at a time per signer: the nonce is only advanced once the node holds
        // the transaction.
        let mut next_nonce = account.next_nonce.lock().await;
        let mut resynced = false;
        loop {
            let nonce = match *next_nonce {
                Some(nonce) => nonce,
                None => self.pending_nonce(from).await?,
            };
            let envelope = request
                .clone()
                .with_nonce(nonce)
                .build(&account.wallet)
                .await
                .map_err(|e| ClientError::Signing(e.to_string()))?;
            let hash = *envelope.tx_hash();
            let raw = envelope.encoded_2718();
            let result = self
                .config
                .retry
                .run("eth_sendRawTransaction", || async {
                    self.provider.send_raw_transaction(&raw).await.map(drop)
                })
                .await;
            match result {
                Ok(()) => {
                    *next_nonce = Some(nonce + 1);
                    tracing::debug!(%from, nonce, %hash, what, "transaction sent");
                    return Ok(hash);
                }
                // A retried broadcast that the node had received the first time.
                Err(error) if is_nonce_conflict(&error) && self.is_known(hash).await => {
                    *next_nonce = Some(nonce + 1);
                    return Ok(hash);
                }
                // Another client (or a restart) used the nonce: ask the node once.
                Err(error) if is_nonce_conflict(&error) && !resynced => {
                    tracing::debug!(%from, nonce, %error, "nonce conflict, resynchronizing");
                    *next_nonce = None;
                    resynced = true;
                }
                Err(error) => {
                    *next_nonce = None;
                    return Err(reverted_or_rpc(what, "eth_sendRawTransaction", error));
                }
            }
        }
    }

    /// Forgets the cached nonce of `signer`: its next transaction asks the node. For when its
    /// key also signs elsewhere, or the chain was rewound (a test node's `evm_revert`).
    pub async fn forget_nonce(&self, signer: Address) {
        if let Some(account) = self.signers.get(&signer) {
            *account.next_nonce.lock().await = None;
        }
    }

    /// The nonce of `from`'s next transaction, counting the pending ones.
    async fn pending_nonce(&self, from: Address) -> Result<u64, ClientError> {
        self.config
            .retry
            .request("eth_getTransactionCount", || async {
                self.provider.get_transaction_count(from).pending().await
            })
            .await
    }

    async fn is_known(&self, hash: B256) -> bool {
        matches!(
            self.provider.get_transaction_by_hash(hash).await,
            Ok(Some(_))
        )
    }

    /// The receipt of `hash`, once mined (polled every [`poll_interval`](super::ClientConfig)).
    pub async fn receipt(&self, hash: B256) -> Result<TransactionReceipt, ClientError> {
        let start = Instant::now();
        loop {
            let receipt = self
                .config
                .retry
                .request("eth_getTransactionReceipt", || async {
                    self.provider.get_transaction_receipt(hash).await
                })
                .await?;
            if let Some(receipt) = receipt {
                return Ok(receipt);
            }
            if start.elapsed() >= self.config.receipt_timeout {
                return Err(ClientError::ReceiptTimeout {
                    hash,
                    waited: start.elapsed(),
                });
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    async fn wait_mined(
        &self,
        hash: B256,
        from: Address,
        spec: &TxSpec,
        what: &str,
    ) -> Result<Mined, ClientError> {
        let receipt = self.receipt(hash).await?;
        if receipt.status() {
            return Ok(Mined { receipt });
        }
        // Replay the call to learn why (against the latest state: older ones may be pruned).
        let revert = match spec.to {
            TxKind::Call(to) => match self
                .raw_call(Some(from), to, spec.input.clone(), what)
                .await
            {
                Err(ClientError::Reverted { revert, .. }) => Some(revert),
                _ => None,
            },
            TxKind::Create => None,
        };
        Err(ClientError::Failed {
            what: what.to_owned(),
            hash,
            block: receipt.block_number.unwrap_or_default(),
            gas_used: receipt.gas_used,
            revert,
        })
    }
}
