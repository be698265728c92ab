//! RLC funding, deposits, withdrawals and SRLC transfers.

use super::{Call, ScenarioError, Session};
use crate::artifacts::bindings::{IConfide, IERC20};
use alloy_primitives::{Address, U256};

/// An account of the protocol's SRLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Account {
    /// Free balance (`balanceOf`, `viewAccount.stake`).
    pub balance: U256,
    /// Locked amount (`frozenOf`, `viewAccount.locked`).
    pub locked: U256,
}

impl Session<'_> {
    /// The name of `who` in labels: its symbol, else its address.
    pub(crate) fn who(&self, who: Address) -> String {
        self.symbols().address(who)
    }

    /// Transfers `amount` nRLC of the RLC token from the owner to `who` (must succeed).
    pub fn fund(&mut self, who: Address, amount: U256) -> Result<(), ScenarioError> {
        let label = format!("RLC.transfer ({})", self.who(who));
        let (owner, token) = (self.actors().owner.address(), self.protocol().token);
        let call = IERC20::transferCall {
            to: who,
            value: amount,
        };
        self.send(label, owner, token, &call)?.ok()?;
        Ok(())
    }

    /// `who` approves the protocol for `amount` nRLC and deposits them (`deposit`); the call
    /// returned is the deposit, which reverts when `who` does not hold that much RLC.
    pub fn deposit(&mut self, who: Address, amount: U256) -> Result<Call<bool>, ScenarioError> {
        let name = self.who(who);
        let (protocol, token) = (self.protocol().address, self.protocol().token);
        let approve = IERC20::approveCall {
            spender: protocol,
            value: amount,
        };
        self.send(format!("RLC.approve ({name})"), who, token, &approve)?
            .ok()?;
        self.send_protocol(
            format!("deposit ({name})"),
            who,
            &IConfide::depositCall(amount),
        )
    }

    /// [`Self::fund`] then [`Self::deposit`] `amount` nRLC for `who` (must succeed).
    pub fn fund_and_deposit(&mut self, who: Address, amount: U256) -> Result<(), ScenarioError> {
        self.fund(who, amount)?;
        self.deposit(who, amount)?.ok()?;
        Ok(())
    }

    /// `who` withdraws `amount` nRLC of its free SRLC.
    pub fn withdraw(&mut self, who: Address, amount: U256) -> Result<Call<bool>, ScenarioError> {
        let label = format!("withdraw ({})", self.who(who));
        self.send_protocol(label, who, &IConfide::withdrawCall(amount))
    }

    /// `from` transfers `amount` SRLC to `to`.
    pub fn transfer(
        &mut self,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Result<Call<bool>, ScenarioError> {
        let label = format!("transfer ({} → {})", self.who(from), self.who(to));
        let call = IConfide::transferCall { _0: to, _1: amount };
        self.send_protocol(label, from, &call)
    }

    /// The SRLC account of `who`.
    pub fn account(&self, who: Address) -> Result<Account, ScenarioError> {
        let viewed = self.view(&IConfide::viewAccountCall { account: who })?;
        Ok(Account {
            balance: viewed.stake,
            locked: viewed.locked,
        })
    }

    /// The SRLC total supply.
    pub fn total_supply(&self) -> Result<U256, ScenarioError> {
        self.view(&IConfide::totalSupplyCall {})
    }

    /// The RLC the protocol holds.
    pub fn rlc_held(&self) -> Result<U256, ScenarioError> {
        let call = IERC20::balanceOfCall {
            account: self.protocol().address,
        };
        Ok(self.evm().view(self.protocol().token, &call)?)
    }
}
