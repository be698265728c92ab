//! Raw transactions: EIP-2718 decoding, sender recovery, the admission checks of the dev
//! chain and the conversion to revm's transaction environment.

use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope, TxType};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use revm::context::TxEnv;
use revm::context_interface::cfg::gas::calculate_initial_tx_gas;
use revm::primitives::hardfork::SpecId;

/// Why a raw transaction was refused. A refused transaction changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The bytes are not an EIP-2718 transaction (bad RLP, unknown type, trailing bytes).
    #[error("malformed transaction: {0}")]
    Malformed(String),
    /// A transaction type the chain does not accept (EIP-4844 blobs, EIP-7702: Cancun rules,
    /// no blob sidecars).
    #[error("unsupported transaction type {0}")]
    UnsupportedType(u8),
    /// The signature does not recover to an address.
    #[error("invalid signature")]
    InvalidSignature,
    /// Signed for another chain.
    #[error("wrong chain id: expected {expected}, got {got}")]
    WrongChainId {
        /// This chain's id.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The same transaction was already received.
    #[error("already known: {0}")]
    AlreadyKnown(B256),
    /// The nonce was already used.
    #[error("nonce too low: next nonce {expected}, tx nonce {got}")]
    NonceTooLow {
        /// The sender's next nonce (pending transactions included).
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The nonce leaves a gap (the chain does not queue future transactions).
    #[error("nonce too high: next nonce {expected}, tx nonce {got}")]
    NonceTooHigh {
        /// The sender's next nonce (pending transactions included).
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The gas limit exceeds the block gas limit.
    #[error("gas limit {gas_limit} exceeds the block gas limit {block_gas_limit}")]
    GasLimitAboveBlock {
        /// The transaction's gas limit.
        gas_limit: u64,
        /// The block's.
        block_gas_limit: u64,
    },
    /// The gas limit does not even cover the intrinsic gas.
    #[error("intrinsic gas too low: gas limit {gas_limit}, intrinsic gas {intrinsic}")]
    IntrinsicGasTooLow {
        /// The transaction's gas limit.
        gas_limit: u64,
        /// Gas charged before execution (21000, calldata, access list, creation).
        intrinsic: u64,
    },
    /// The maximum fee per gas (the gas price of a legacy transaction) is below the base fee.
    #[error("max fee per gas {max_fee} below the base fee {base_fee}")]
    FeeCapTooLow {
        /// The transaction's fee cap.
        max_fee: u128,
        /// The chain's base fee.
        base_fee: u64,
    },
    /// The priority fee exceeds the fee cap.
    #[error("max priority fee per gas {tip} above max fee per gas {max_fee}")]
    TipAboveFeeCap {
        /// The priority fee.
        tip: u128,
        /// The fee cap.
        max_fee: u128,
    },
    /// The sender cannot pay `gas_limit × max_fee + value`.
    #[error("insufficient funds: balance {balance}, cost {cost}")]
    InsufficientFunds {
        /// The sender's balance.
        balance: U256,
        /// The maximum cost.
        cost: U256,
    },
    /// The EVM refused the transaction for another reason (init code too large, sender with
    /// code...).
    #[error("rejected by the EVM: {0}")]
    Rejected(String),
}

/// A decoded transaction with its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// The transaction.
    pub envelope: TxEnvelope,
    /// Its hash.
    pub hash: B256,
    /// The recovered sender.
    pub from: Address,
}

impl SignedTx {
    /// Decodes raw EIP-2718 bytes (legacy RLP or typed) and recovers the sender.
    pub fn decode(raw: &[u8]) -> Result<Self, TxError> {
        let envelope =
            TxEnvelope::decode_2718_exact(raw).map_err(|e| TxError::Malformed(e.to_string()))?;
        match envelope.tx_type() {
            TxType::Legacy | TxType::Eip2930 | TxType::Eip1559 => {}
            other => return Err(TxError::UnsupportedType(other as u8)),
        }
        let from = envelope
            .recover_signer()
            .map_err(|_| TxError::InvalidSignature)?;
        Ok(Self {
            hash: *envelope.tx_hash(),
            envelope,
            from,
        })
    }

    /// The EIP-2718 encoding (what was received).
    pub fn raw(&self) -> Bytes {
        self.envelope.encoded_2718().into()
    }

    /// The fee cap: `max_fee_per_gas`, or the gas price of a legacy/EIP-2930 transaction.
    pub fn max_fee(&self) -> u128 {
        self.envelope.max_fee_per_gas()
    }

    /// The price per gas actually paid under `base_fee`.
    pub fn effective_gas_price(&self, base_fee: u64) -> u128 {
        self.envelope.effective_gas_price(Some(base_fee))
    }

    /// The maximum the sender may pay: `gas_limit × fee cap + value`.
    pub fn max_cost(&self) -> U256 {
        U256::from(self.envelope.gas_limit()) * U256::from(self.max_fee()) + self.envelope.value()
    }

    /// The called address (`None` for a creation).
    pub fn to(&self) -> Option<Address> {
        match self.envelope.kind() {
            TxKind::Call(to) => Some(to),
            TxKind::Create => None,
        }
    }

    /// revm's environment for this transaction.
    pub(crate) fn tx_env(&self) -> TxEnv {
        let tx = &self.envelope;
        TxEnv {
            tx_type: tx.tx_type() as u8,
            caller: self.from,
            gas_limit: tx.gas_limit(),
            gas_price: tx.max_fee_per_gas(),
            kind: tx.kind(),
            value: tx.value(),
            data: tx.input().clone(),
            nonce: tx.nonce(),
            chain_id: tx.chain_id(),
            access_list: tx.access_list().cloned().unwrap_or_default(),
            gas_priority_fee: match tx.tx_type() {
                TxType::Eip1559 => tx.max_priority_fee_per_gas(),
                _ => None,
            },
            ..TxEnv::default()
        }
    }
}

/// What a transaction is checked against when admitted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admission {
    pub(crate) chain_id: u64,
    pub(crate) block_gas_limit: u64,
    pub(crate) base_fee: u64,
    /// The sender's next nonce, pending transactions included.
    pub(crate) next_nonce: u64,
    /// The sender's balance.
    pub(crate) balance: U256,
}

/// The admission checks, in the order a node applies them.
pub(crate) fn admit(tx: &SignedTx, a: &Admission) -> Result<(), TxError> {
    let env = &tx.envelope;
    if let Some(got) = env.chain_id()
        && got != a.chain_id
    {
        return Err(TxError::WrongChainId {
            expected: a.chain_id,
            got,
        });
    }
    let gas_limit = env.gas_limit();
    if gas_limit > a.block_gas_limit {
        return Err(TxError::GasLimitAboveBlock {
            gas_limit,
            block_gas_limit: a.block_gas_limit,
        });
    }
    let intrinsic = intrinsic_gas(env);
    if gas_limit < intrinsic {
        return Err(TxError::IntrinsicGasTooLow {
            gas_limit,
            intrinsic,
        });
    }
    let max_fee = tx.max_fee();
    if let Some(tip) = env.max_priority_fee_per_gas()
        && tip > max_fee
    {
        return Err(TxError::TipAboveFeeCap { tip, max_fee });
    }
    if max_fee < u128::from(a.base_fee) {
        return Err(TxError::FeeCapTooLow {
            max_fee,
            base_fee: a.base_fee,
        });
    }
    let nonce = env.nonce();
    if nonce < a.next_nonce {
        return Err(TxError::NonceTooLow {
            expected: a.next_nonce,
            got: nonce,
        });
    }
    if nonce > a.next_nonce {
        return Err(TxError::NonceTooHigh {
            expected: a.next_nonce,
            got: nonce,
        });
    }
    let cost = tx.max_cost();
    if a.balance < cost {
        return Err(TxError::InsufficientFunds {
            balance: a.balance,
            cost,
        });
    }
    Ok(())
}

/// Intrinsic gas under Cancun rules.
pub(crate) fn intrinsic_gas(tx: &TxEnvelope) -> u64 {
    let (accounts, slots) = tx.access_list().map_or((0, 0), |list| {
        let slots: usize = list.iter().map(|item| item.storage_keys.len()).sum();
        (list.len() as u64, slots as u64)
    });
    let gas = calculate_initial_tx_gas(
        SpecId::CANCUN,
        tx.input(),
        tx.is_create(),
        accounts,
        slots,
        0,
        None,
    );
    gas.initial_regular_gas + gas.initial_state_gas
}
