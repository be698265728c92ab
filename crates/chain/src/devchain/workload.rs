//! A workload of TEE tasks on the dev chain: the task `confide bench gas` measures
//! (`matchOrders` + `initialize` + `contributeAndFinalize`), sent as real EIP-1559
//! transactions signed with the dev accounts' keys and submitted as raw bytes. The
//! `devchain_tasks` benchmark and its test drive it.
//!
//! The dev accounts play the roles of [`Actors`] (see [`Roles`]); the orders, the worker
//! authorization, the enclave signature and the result digest are those of the
//! [`scenario`](crate::scenario) harness. Everything a task needs is signed off-chain by
//! [`TeeWorkload::build_task`] (order ids and task ids are computed, not read back from the
//! chain), so building and mining can be measured apart.

use super::{CallRequest, DevChain, DevChainError};
use crate::artifacts::bindings::IWorkerpoolRegistry;
use crate::artifacts::bindings::{IAppRegistry, IConfide, IDatasetRegistry, IERC20};
use crate::scenario::{
    Actors, Assets, ContributionTerms, OrderDraft, ScenarioError, Terms, result_digest_for,
    results_for, task_status,
};
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use confide_protocol::Domain;
use confide_protocol::consensus::workerpool_stake;
use confide_protocol::ids::{deal_id, task_id};
use std::collections::HashMap;

/// The gas limit of every workload transaction: above what any of them uses (`matchOrders`,
/// the largest, uses about 0.4 M); a receipt with status 0 would say if it were not.
pub const GAS_LIMIT: u64 = 2_000_000;

/// Which dev account plays which role (indices into [`DevChain::accounts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Owns the app and signs app orders.
    pub app_developer: usize,
    /// Owns the dataset and signs dataset orders.
    pub data_owner: usize,
    /// Owns the workerpool, signs workerpool orders and worker authorizations, initializes.
    pub scheduler: usize,
    /// Signs request orders, matches them and pays.
    pub requester: usize,
    /// Contributes and finalizes.
    pub worker: usize,
}

impl Default for Roles {
    /// Accounts 1 to 5 (account 0, the protocol owner, plays no role).
    fn default() -> Self {
        Self {
            app_developer: 1,
            data_owner: 2,
            scheduler: 3,
            requester: 4,
            worker: 5,
        }
    }
}

/// Why the workload stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// The chain refused a transaction or a call failed.
    #[error(transparent)]
    Chain(#[from] DevChainError),
    /// Orders or contributions could not be signed.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A transaction could not be signed.
    #[error("signing a transaction: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// A role names a dev account the chain does not have.
    #[error("role {role} is dev account {index}, but the chain has {accounts} accounts")]
    MissingAccount {
        /// The role.
        role: &'static str,
        /// Its account index.
        index: usize,
        /// How many accounts the chain has.
        accounts: usize,
    },
    /// A transaction was accepted but no receipt is there (the chain is not automining).
    #[error("{label} ({hash}) has no receipt: is the chain automining?")]
    NotMined {
        /// What the transaction was.
        label: String,
        /// Its hash.
        hash: B256,
    },
    /// A transaction was mined with status 0.
    #[error("{label} ({hash}) failed: {revert}")]
    Failed {
        /// What the transaction was.
        label: String,
        /// Its hash.
        hash: B256,
        /// Why (the decoded revert).
        revert: String,
    },
    /// A task is not completed after its transactions.
    #[error(
        "task {task} has status {status}, expected {} (COMPLETED)",
        task_status::COMPLETED
    )]
    NotCompleted {
        /// The task.
        task: B256,
        /// Its status.
        status: u8,
    },
}

/// A signed transaction ready to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTransaction {
    /// What it is (`"matchOrders"`...).
    pub label: &'static str,
    /// Its EIP-2718 encoding.
    pub raw: Bytes,
    /// Its hash.
    pub hash: B256,
}

/// The three transactions of one TEE task, in the order they must be mined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTransactions {
    /// The deal `matchOrders` creates.
    pub deal: B256,
    /// The task (index 0 of the deal).
    pub task: B256,
    /// `matchOrders` (requester), `initialize` (scheduler), `contributeAndFinalize` (worker).
    pub transactions: [RawTransaction; 3],
}

impl TaskTransactions {
    /// Submits the three transactions and checks that each was mined with status 1.
    pub fn submit(&self, chain: &mut DevChain) -> Result<(), WorkloadError> {
        self.transactions
            .iter()
            .try_for_each(|tx| submit_checked(chain, tx))
    }
}

/// The TEE task workload: registered assets, funded deposits and the signers of every role.
#[derive(Debug)]
pub struct TeeWorkload {
    actors: Actors,
    assets: Assets,
    terms: Terms,
    domain: Domain,
    protocol: Address,
    chain_id: u64,
    max_fee_per_gas: u128,
    max_priority_fee_per_gas: u128,
    /// The next nonce of every role's account (the workload is their only sender).
    nonces: HashMap<Address, u64>,
    /// Tasks built so far.
    built: u64,
}

impl TeeWorkload {
    /// Prepares `chain` (automining) for `tasks` TEE tasks with the default [`Roles`]: the app
    /// developer registers a TDX app, the data owner a dataset, the scheduler a workerpool;
    /// the requester deposits the price of `tasks` tasks and the scheduler their stake. Every
    /// step is a signed transaction that must succeed.
    pub fn setup(chain: &mut DevChain, tasks: u64) -> Result<Self, WorkloadError> {
        Self::setup_with(chain, tasks, Roles::default())
    }

    /// [`Self::setup`] with other roles.
    pub fn setup_with(
        chain: &mut DevChain,
        tasks: u64,
        roles: Roles,
    ) -> Result<Self, WorkloadError> {
        let account = |role: &'static str, index: usize| {
            chain
                .accounts()
                .get(index)
                .map(|account| account.signer().clone())
                .ok_or(WorkloadError::MissingAccount {
                    role,
                    index,
                    accounts: chain.accounts().len(),
                })
        };
        let scheduler = account("scheduler", roles.scheduler)?;
        let actors = Actors {
            app_developer: account("app developer", roles.app_developer)?,
            data_owner: account("data owner", roles.data_owner)?,
            requester: account("requester", roles.requester)?,
            // No sponsored deals: the requester pays for itself.
            sponsor: account("requester", roles.requester)?,
            workers: vec![account("worker", roles.worker)?],
            owner: account("owner", 0)?,
            scheduler,
            // Neither sends transactions: the scenario's keys.
            ..Actors::new(0)
        };
        let protocol = chain.protocol().clone();
        let nonces = actors
            .named()
            .iter()
            .map(|(_, signer)| signer.address())
            .map(|address| (address, chain.pending_nonce(address)))
            .collect();
        let tip = chain.max_priority_fee_per_gas();
        let mut workload = Self {
            domain: protocol.domain(chain.chain_id()),
            protocol: protocol.address,
            chain_id: chain.chain_id(),
            max_fee_per_gas: 2 * u128::from(chain.base_fee()) + tip,
            max_priority_fee_per_gas: tip,
            terms: Terms::tee(),
            assets: Assets {
                app: Address::ZERO,
                dataset: None,
                workerpool: Address::ZERO,
            },
            actors,
            nonces,
            built: 0,
        };
        workload.assets = workload.register_assets(chain, &protocol)?;
        let tasks = U256::from(tasks);
        let price = workload.terms.task_price(true) * tasks;
        let stake = workerpool_stake(workload.terms.workerpool_price, U256::from(1)) * tasks;
        let requester = workload.actors.requester.clone();
        let scheduler = workload.actors.scheduler.clone();
        workload.deposit(chain, &requester, price)?;
        workload.deposit(chain, &scheduler, stake)?;
        Ok(workload)
    }

    /// The assets the tasks run on.
    pub fn assets(&self) -> &Assets {
        &self.assets
    }

    /// The signers of every role.
    pub fn actors(&self) -> &Actors {
        &self.actors
    }

    /// Registers the TDX app, the dataset and the workerpool.
    fn register_assets(
        &mut self,
        chain: &mut DevChain,
        protocol: &crate::Protocol,
    ) -> Result<Assets, WorkloadError> {
        let app_developer = self.actors.app_developer.clone();
        let create_app = IAppRegistry::createAppCall {
            owner: app_developer.address(),
            name: "bench-tee-app".into(),
            appType: "DOCKER".into(),
            multiaddr: Bytes::from_static(b"docker.io/confide/bench-tee-app:1.0.0"),
            checksum: keccak256("bench-tee-app"),
            mrenclave: Bytes::from_static(
                br#"{"framework":"TDX","version":"v1","fingerprint":"00"}"#,
            ),
        };
        let app = self.create(chain, &app_developer, protocol.app_registry, &create_app)?;
        let data_owner = self.actors.data_owner.clone();
        let create_dataset = IDatasetRegistry::createDatasetCall {
            owner: data_owner.address(),
            name: "bench-dataset".into(),
            multiaddr: Bytes::from_static(b"/ipfs/confide-bench-dataset"),
            checksum: keccak256("bench-dataset"),
        };
        let dataset = self.create(
            chain,
            &data_owner,
            protocol.dataset_registry,
            &create_dataset,
        )?;
        let scheduler = self.actors.scheduler.clone();
        let create_workerpool = IWorkerpoolRegistry::createWorkerpoolCall {
            owner: scheduler.address(),
            description: "bench-pool".into(),
        };
        let workerpool = self.create(
            chain,
            &scheduler,
            protocol.workerpool_registry,
            &create_workerpool,
        )?;
        Ok(Assets {
            app,
            dataset: Some(dataset),
            workerpool,
        })
    }

    /// Sends `create` (a registry call returning the new asset's address) from `from`. The
    /// address is what the same call returns when simulated just before (assets are deployed
    /// at deterministic addresses).
    fn create<C: SolCall<Return = Address>>(
        &mut self,
        chain: &mut DevChain,
        from: &PrivateKeySigner,
        registry: Address,
        create: &C,
    ) -> Result<Address, WorkloadError> {
        let input: Bytes = create.abi_encode().into();
        let simulated = chain.call(
            &CallRequest {
                from: Some(from.address()),
                to: Some(registry),
                input: input.clone(),
                ..CallRequest::default()
            },
            alloy_eips::BlockNumberOrTag::Latest,
        )?;
        let address = simulated.decode::<C>().map_err(DevChainError::Evm)?;
        let tx = self.sign(C::SIGNATURE, from, registry, input)?;
        submit_checked(chain, &tx)?;
        Ok(address)
    }

    /// `who` approves the protocol for `amount` nRLC and deposits them.
    fn deposit(
        &mut self,
        chain: &mut DevChain,
        who: &PrivateKeySigner,
        amount: U256,
    ) -> Result<(), WorkloadError> {
        let approve = IERC20::approveCall {
            spender: self.protocol,
            value: amount,
        };
        let token = chain.protocol().token;
        let tx = self.sign("RLC.approve", who, token, approve.abi_encode().into())?;
        submit_checked(chain, &tx)?;
        let deposit = IConfide::depositCall(amount);
        let tx = self.sign("deposit", who, self.protocol, deposit.abi_encode().into())?;
        submit_checked(chain, &tx)
    }

    /// Builds the next task's three signed transactions (off-chain work: the four orders,
    /// volume 1 and fresh salts, signed by their owners; the deal and task ids computed from
    /// the request order's hash; the worker authorization and the enclave signature of the
    /// result; the three transactions signed at the senders' next nonces). They must be
    /// submitted in the order built.
    pub fn build_task(&mut self) -> Result<TaskTransactions, WorkloadError> {
        // Salts derive from the requester's nonce at the match: never reused on this chain.
        let requester = self.actors.requester.clone();
        let terms = Terms {
            salt: self
                .nonces
                .get(&requester.address())
                .copied()
                .unwrap_or_default(),
            ..self.terms.clone()
        };
        let draft = OrderDraft::new(&self.assets, &terms, requester.address());
        let orders = self.actors.sign_orders(draft, &self.domain)?;
        // A fresh request order: nothing consumed before this match, the task is index 0.
        let deal = deal_id(orders.request.hash(&self.domain), U256::ZERO);
        let task = task_id(deal, U256::ZERO);
        let name = format!("task:{}/0", self.built);
        let worker = self.actors.worker(0).clone();
        let contribute = self.actors.contribute_and_finalize_call(
            ContributionTerms {
                task,
                worker: worker.address(),
                digest: result_digest_for(&name, 0),
                results: results_for(&name),
                results_callback: Bytes::new(),
                tee: true,
            },
            false,
        )?;
        let initialize = IConfide::initializeCall {
            dealId: deal,
            index: U256::ZERO,
        };
        let (protocol, scheduler) = (self.protocol, self.actors.scheduler.clone());
        let transactions = [
            self.sign(
                "matchOrders",
                &requester,
                protocol,
                orders.match_call().abi_encode().into(),
            )?,
            self.sign(
                "initialize",
                &scheduler,
                protocol,
                initialize.abi_encode().into(),
            )?,
            self.sign(
                "contributeAndFinalize",
                &worker,
                protocol,
                contribute.abi_encode().into(),
            )?,
        ];
        self.built += 1;
        Ok(TaskTransactions {
            deal,
            task,
            transactions,
        })
    }

    /// Builds `tasks` tasks (see [`Self::build_task`]).
    pub fn build_tasks(&mut self, tasks: u64) -> Result<Vec<TaskTransactions>, WorkloadError> {
        (0..tasks).map(|_| self.build_task()).collect()
    }

    /// Fails unless `task` is COMPLETED (a `viewTask` call).
    pub fn check_completed(&self, chain: &DevChain, task: B256) -> Result<(), WorkloadError> {
        let outcome = chain.call(
            &CallRequest {
                to: Some(self.protocol),
                input: IConfide::viewTaskCall { id: task }.abi_encode().into(),
                ..CallRequest::default()
            },
            alloy_eips::BlockNumberOrTag::Latest,
        )?;
        let status = outcome
            .decode::<IConfide::viewTaskCall>()
            .map_err(DevChainError::Evm)?
            .status;
        if status == task_status::COMPLETED {
            Ok(())
        } else {
            Err(WorkloadError::NotCompleted { task, status })
        }
    }

    /// Takes `from`'s next nonce.
    fn next_nonce(&mut self, from: Address) -> u64 {
        let nonce = self.nonces.entry(from).or_default();
        let next = *nonce;
        *nonce += 1;
        next
    }

    /// Signs an EIP-1559 call of `input` from `from` to `to` at `from`'s next nonce.
    fn sign(
        &mut self,
        label: &'static str,
        from: &PrivateKeySigner,
        to: Address,
        input: Bytes,
    ) -> Result<RawTransaction, WorkloadError> {
        let tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.next_nonce(from.address()),
            gas_limit: GAS_LIMIT,
            max_fee_per_gas: self.max_fee_per_gas,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas,
            to: TxKind::Call(to),
            value: U256::ZERO,
            access_list: AccessList::default(),
            input,
        };
        let signature = from.sign_hash_sync(&tx.signature_hash())?;
        let envelope = TxEnvelope::from(tx.into_signed(signature));
        Ok(RawTransaction {
            label,
            hash: *envelope.tx_hash(),
            raw: envelope.encoded_2718().into(),
        })
    }
}

/// Submits `tx` and checks its receipt's status.
fn submit_checked(chain: &mut DevChain, tx: &RawTransaction) -> Result<(), WorkloadError> {
    let hash = chain.send_raw_transaction(&tx.raw)?;
    let receipt = chain
        .receipt(&hash)
        .ok_or_else(|| WorkloadError::NotMined {
            label: tx.label.to_owned(),
            hash,
        })?;
    if receipt.status {
        Ok(())
    } else {
        Err(WorkloadError::Failed {
            label: tx.label.to_owned(),
            hash,
            revert: receipt
                .revert
                .as_ref()
                .map_or_else(|| "no reason".to_owned(), ToString::to_string),
        })
    }
}
