//! A deployment recorded instead of executed: the transactions, in order, with the addresses
//! their creations will have, for a client to send to any node.

use super::{DeployError, DeployTarget};
use alloy_primitives::{Address, Bytes};

/// One transaction of a [`DeployPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTx {
    /// What it does ("deploy RLC", "configure"...).
    pub step: String,
    /// The sender.
    pub from: Address,
    /// The callee, or `None` for a contract creation.
    pub to: Option<Address>,
    /// Calldata or init code.
    pub input: Bytes,
    /// The sender's nonce when it is sent.
    pub nonce: u64,
    /// The contract a creation makes (`from.create(nonce)`).
    pub creates: Option<Address>,
}

/// A [`DeployTarget`] that records transactions. Creation addresses follow from the sender's
/// nonce, so the plan must be sent in order, by one sender whose nonce is `first_nonce` when
/// the first transaction is sent (a client checks both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployPlan {
    deployer: Address,
    next_nonce: u64,
    txs: Vec<PlannedTx>,
}

impl DeployPlan {
    /// An empty plan for `deployer`, whose next nonce is `first_nonce`.
    pub fn new(deployer: Address, first_nonce: u64) -> Self {
        Self {
            deployer,
            next_nonce: first_nonce,
            txs: Vec::new(),
        }
    }

    /// The recorded transactions, in sending order.
    pub fn txs(&self) -> &[PlannedTx] {
        &self.txs
    }

    fn record(
        &mut self,
        step: &str,
        from: Address,
        to: Option<Address>,
        input: Bytes,
    ) -> Result<PlannedTx, DeployError> {
        if from != self.deployer {
            return Err(DeployError::Plan(format!(
                "{step}: sent by {from}, but the plan is for {}",
                self.deployer
            )));
        }
        let nonce = self.next_nonce;
        self.next_nonce += 1;
        let tx = PlannedTx {
            step: step.to_owned(),
            from,
            to,
            input,
            nonce,
            creates: to.is_none().then(|| from.create(nonce)),
        };
        self.txs.push(tx.clone());
        Ok(tx)
    }
}

impl DeployTarget for DeployPlan {
    fn create(
        &mut self,
        step: &str,
        from: Address,
        init_code: Bytes,
    ) -> Result<Address, DeployError> {
        let tx = self.record(step, from, None, init_code)?;
        Ok(from.create(tx.nonce))
    }

    fn transact(
        &mut self,
        step: &str,
        from: Address,
        to: Address,
        calldata: Bytes,
    ) -> Result<(), DeployError> {
        self.record(step, from, Some(to), calldata).map(drop)
    }
}
