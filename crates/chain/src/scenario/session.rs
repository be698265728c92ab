//! [`Session`]: an EVM, a deployed protocol and the actors; sending, recording, time travel.

use super::events::{self, Symbols};
use super::gas::{GasEntry, Recorder};
use super::{Actors, Call, ScenarioError};
use crate::artifacts::bindings::IConfide;
use crate::deploy::Protocol;
use crate::evm::{Evm, TxOutcome};
use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::SolCall;
use confide_protocol::Domain;

/// PoCo's kitty pseudo-account (poco.md §4.3): its locked amount is the kitty.
pub const KITTY: Address = alloy_primitives::address!("99c2268479b93fDe36232351229815DF80837e23");

/// Drives one deployed protocol: one method per operation (see the
/// [module documentation](super)). Operations return a [`Call`] whose outcome may be a revert;
/// fixtures (asset creation, funding) fail with [`ScenarioError::Reverted`] instead.
#[derive(Debug)]
pub struct Session<'a> {
    evm: &'a mut Evm,
    protocol: &'a Protocol,
    actors: Actors,
    domain: Domain,
    recorder: Recorder,
    symbols: Symbols,
    /// Whether `setTeeBroker` named [`Actors::tee_broker`].
    pub(crate) tee_broker: bool,
    /// Counters of the symbolic names given so far (deals, orders, assets).
    pub(crate) counters: Counters,
}

/// Counters behind symbolic names: the n-th deal is `deal:n` on every deployment.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) deals: usize,
    pub(crate) orders: [usize; 4],
}

impl<'a> Session<'a> {
    /// A session on `protocol`, deployed on `evm` by [`Actors::owner`].
    pub fn new(
        evm: &'a mut Evm,
        protocol: &'a Protocol,
        actors: Actors,
    ) -> Result<Self, ScenarioError> {
        if protocol.owner != actors.owner.address() {
            return Err(ScenarioError::Owner {
                protocol: protocol.owner,
                actors: actors.owner.address(),
            });
        }
        let domain = protocol.domain(evm.chain_id());
        let mut symbols = Symbols::new();
        symbols.name_address(protocol.address, "protocol");
        symbols.name_address(protocol.token, "RLC");
        symbols.name_address(protocol.app_registry, "app-registry");
        symbols.name_address(protocol.dataset_registry, "dataset-registry");
        symbols.name_address(protocol.workerpool_registry, "workerpool-registry");
        symbols.name_address(KITTY, "kitty");
        for (name, signer) in actors.named() {
            symbols.name_address(signer.address(), name);
        }
        Ok(Self {
            evm,
            protocol,
            actors,
            domain,
            recorder: Recorder::new(),
            symbols,
            tee_broker: false,
            counters: Counters::default(),
        })
    }

    /// The EVM.
    pub fn evm(&self) -> &Evm {
        self.evm
    }

    /// The EVM, to send other transactions or move the clock.
    pub fn evm_mut(&mut self) -> &mut Evm {
        self.evm
    }

    /// The protocol.
    pub fn protocol(&self) -> &Protocol {
        self.protocol
    }

    /// The actors.
    pub fn actors(&self) -> &Actors {
        &self.actors
    }

    /// The EIP-712 domain of orders on this deployment.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// What was sent so far.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The symbolic names of this deployment.
    pub fn symbols(&self) -> &Symbols {
        &self.symbols
    }

    /// The symbolic names, to add some.
    pub fn symbols_mut(&mut self) -> &mut Symbols {
        &mut self.symbols
    }

    /// Sends `call` from `from` to `to` and records it under `label`.
    pub fn send<C: SolCall>(
        &mut self,
        label: impl Into<String>,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<Call<C::Return>, ScenarioError> {
        let outcome = self.evm.transact(from, to, call.abi_encode())?;
        Ok(self.record(label.into(), outcome, |outcome| outcome.decode::<C>().ok()))
    }

    /// Sends calldata `data` from `from` to `to` and records it under `label`; the call's value
    /// is the raw return data.
    pub fn send_calldata(
        &mut self,
        label: impl Into<String>,
        from: Address,
        to: Address,
        data: Bytes,
    ) -> Result<Call<Bytes>, ScenarioError> {
        let outcome = self.evm.transact(from, to, data)?;
        Ok(self.record(label.into(), outcome, |outcome| {
            outcome.success.then(|| outcome.output.clone())
        }))
    }

    /// Sends `call` to the protocol (see [`Self::send`]).
    pub fn send_protocol<C: SolCall>(
        &mut self,
        label: impl Into<String>,
        from: Address,
        call: &C,
    ) -> Result<Call<C::Return>, ScenarioError> {
        self.send(label, from, self.protocol.address, call)
    }

    /// Like [`Self::send`], naming words of the outcome (ids it returns or logs) before its
    /// events are normalized and recorded.
    pub(crate) fn send_naming<C: SolCall>(
        &mut self,
        label: impl Into<String>,
        from: Address,
        call: &C,
        name: impl FnOnce(&mut Self, &TxOutcome, Option<&C::Return>),
    ) -> Result<Call<C::Return>, ScenarioError> {
        let outcome = self
            .evm
            .transact(from, self.protocol.address, call.abi_encode())?;
        let returned = outcome.decode::<C>().ok();
        name(self, &outcome, returned.as_ref());
        Ok(self.record(label.into(), outcome, |_| returned))
    }

    fn record<T>(
        &mut self,
        label: String,
        outcome: TxOutcome,
        decode: impl FnOnce(&TxOutcome) -> Option<T>,
    ) -> Call<T> {
        let returned = decode(&outcome);
        self.recorder.push(GasEntry {
            label: label.clone(),
            gas: outcome.gas_used,
            success: outcome.success,
            events: events::normalize(&outcome, self.protocol.address, &self.symbols),
            revert: outcome
                .revert
                .as_ref()
                .map(|revert| events::normalize_revert(revert, &self.symbols)),
        });
        Call {
            label,
            outcome,
            returned,
        }
    }

    /// Calls view `C` of the protocol.
    pub fn view<C: SolCall>(&self, call: &C) -> Result<C::Return, ScenarioError> {
        Ok(self.evm.view(self.protocol.address, call)?)
    }

    /// Moves the clock so that the next block is at `timestamp` at least.
    pub fn advance_to(&mut self, timestamp: u64) {
        if timestamp > self.evm.timestamp() {
            self.evm.increase_time(timestamp - self.evm.timestamp());
        }
    }

    /// Moves the clock past the task's contribution deadline.
    pub fn pass_contribution_deadline(&mut self, task: B256) -> Result<(), ScenarioError> {
        let viewed = self.view(&IConfide::viewTaskCall { id: task })?;
        self.advance_to(viewed.contributionDeadline.saturating_to());
        Ok(())
    }

    /// Moves the clock past the task's reveal deadline.
    pub fn pass_reveal_deadline(&mut self, task: B256) -> Result<(), ScenarioError> {
        let viewed = self.view(&IConfide::viewTaskCall { id: task })?;
        self.advance_to(viewed.revealDeadline.saturating_to());
        Ok(())
    }

    /// Moves the clock past the task's final deadline (when it may be claimed).
    pub fn pass_final_deadline(&mut self, task: B256) -> Result<(), ScenarioError> {
        let viewed = self.view(&IConfide::viewTaskCall { id: task })?;
        self.advance_to(viewed.finalDeadline.saturating_to());
        Ok(())
    }
}
