//! Deployers of the protocol on an [`Evm`]: Confide's contracts ([`deploy_confide`]) and, as a
//! test oracle, the reference PoCo from its npm package ([`deploy_reference_poco`]).
//!
//! Both end configured the same way (RLC-like token, "Staked RLC"/"SRLC"/9 decimals, the three
//! registries, the five default categories) and are described by one [`Protocol`] handle, so
//! the same scenario runs on either through the `IConfide` bindings.

pub mod confide;
mod deployment;
pub mod plan;
pub mod reference;

pub use deployment::Deployment;
pub use plan::{DeployPlan, PlannedTx};

pub use confide::{CONFIDE_MODULES, deploy_confide, deploy_router};
pub use reference::{
    DIAMOND_FACETS, REFERENCE_POCO_DIR, REFERENCE_POCO_ENV, REFERENCE_POCO_VERSION,
    ReferencePackage, TOKEN_FACETS, deploy_reference_poco, deploy_reference_poco_with_token,
    reference_package_dir,
};

use crate::artifacts::{self, ArtifactError, bindings::IConfide};
use crate::evm::{Evm, EvmError};
use alloy_json_abi::Constructor;
use alloy_primitives::{Address, Bytes, Selector, U256};
use alloy_sol_types::{SolCall, SolValue};
use confide_protocol::Domain;
use confide_protocol::consensus::DEFAULT_CATEGORIES;
use std::path::PathBuf;

/// Initial supply of the RLC token deployed by [`deploy_rlc`]: RLC's 87 M tokens, in nRLC.
pub const RLC_SUPPLY: u128 = 87_000_000 * 1_000_000_000;

/// Name, symbol and decimals of the internal ERC-20 of deposits, as PoCo's deployment sets them.
pub const SRLC: (&str, &str, u8) = ("Staked RLC", "SRLC", 9);

/// Description given to the default categories.
pub const CATEGORY_DESCRIPTION: &str = "{}";

/// Which implementation a [`Protocol`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Implementation {
    /// Confide's contracts behind the `Confide` router.
    Confide,
    /// The reference PoCo diamond (`@iexec/poco`).
    ReferencePoco,
}

/// A contract behind the protocol address (a Confide module or a PoCo facet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Contract name.
    pub name: String,
    /// Where it is deployed.
    pub address: Address,
    /// The selectors routed to it.
    pub selectors: Vec<Selector>,
    /// Selectors of its ABI routed to an earlier module instead (exported by several).
    pub shadowed: Vec<Selector>,
}

/// A deployed, configured protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    /// Which implementation.
    pub implementation: Implementation,
    /// The protocol address (PoCo's "proxy"): the EIP-712 verifying contract.
    pub address: Address,
    /// The owner (may configure, create categories...).
    pub owner: Address,
    /// The RLC token deposits are made in.
    pub token: Address,
    /// The app registry.
    pub app_registry: Address,
    /// The dataset registry.
    pub dataset_registry: Address,
    /// The workerpool registry.
    pub workerpool_registry: Address,
    /// DataProtector's registry contract, when deployed.
    pub data_protector: Option<Address>,
    /// The contracts behind the protocol address, in routing order.
    pub modules: Vec<Module>,
}

impl Protocol {
    /// The EIP-712 domain of orders on this deployment.
    pub fn domain(&self, chain_id: u64) -> Domain {
        Domain::new(U256::from(chain_id), self.address)
    }

    /// The module serving `selector`.
    pub fn module_of(&self, selector: Selector) -> Option<&Module> {
        self.modules
            .iter()
            .find(|m| m.selectors.contains(&selector))
    }
}

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A Confide artifact is missing or unusable.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A transaction of the deployment failed.
    #[error("{step}: {source}")]
    Evm {
        /// What was being done.
        step: String,
        /// The failure.
        source: Box<EvmError>,
    },
    /// A file of the reference package cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The reference package is not what was expected.
    #[error("reference PoCo package: {0}")]
    Package(String),
    /// A constructor does not take the arguments the deployer passes.
    #[error("the constructor of {contract} takes ({found}); the deployer passes ({expected})")]
    Constructor {
        /// Contract name.
        contract: String,
        /// Parameter types the deployer encodes.
        expected: String,
        /// Parameter types of the ABI.
        found: String,
    },
    /// A deployment file is not valid.
    #[error("deployment file {}: {reason}", path.display())]
    DeploymentFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A deployment plan was driven against its rules (another sender).
    #[error("deployment plan: {0}")]
    Plan(String),
    /// Two Confide modules export the same function (the router refuses it).
    #[error("selector {selector} is exported by both {first} and {second}")]
    DuplicateSelector {
        /// The selector.
        selector: Selector,
        /// The module it was first routed to.
        first: String,
        /// The other module.
        second: String,
    },
}

/// Runs a step, naming it in the error.
pub(crate) fn step<T>(
    name: impl Into<String>,
    result: Result<T, EvmError>,
) -> Result<T, DeployError> {
    result.map_err(|source| DeployError::Evm {
        step: name.into(),
        source: Box::new(source),
    })
}

/// `creation code ‖ encoded constructor arguments`, after checking the ABI's constructor takes
/// `expected` (comma-separated canonical types; empty for none).
pub(crate) fn init_code(
    contract: &str,
    bytecode: &[u8],
    constructor: Option<&Constructor>,
    expected: &str,
    encoded_args: &[u8],
) -> Result<Bytes, DeployError> {
    let found = constructor.map_or_else(String::new, |c| {
        c.inputs
            .iter()
            .map(|p| p.selector_type().into_owned())
            .collect::<Vec<_>>()
            .join(",")
    });
    if found != expected {
        return Err(DeployError::Constructor {
            contract: contract.to_owned(),
            expected: expected.to_owned(),
            found,
        });
    }
    let mut code = Vec::with_capacity(bytecode.len() + encoded_args.len());
    code.extend_from_slice(bytecode);
    code.extend_from_slice(encoded_args);
    Ok(code.into())
}

/// Where a deployment's transactions go: executed on an in-process [`Evm`], or recorded in a
/// [`DeployPlan`] that a client sends to any node (addresses of creations are predictable from
/// the deployer's nonce, so the plan knows them before anything is sent).
pub trait DeployTarget {
    /// Creates a contract from `init_code` sent by `from`; `step` names it in errors.
    fn create(
        &mut self,
        step: &str,
        from: Address,
        init_code: Bytes,
    ) -> Result<Address, DeployError>;
    /// Sends `calldata` from `from` to `to`; a revert is an error.
    fn transact(
        &mut self,
        step: &str,
        from: Address,
        to: Address,
        calldata: Bytes,
    ) -> Result<(), DeployError>;
}

impl DeployTarget for Evm {
    fn create(
        &mut self,
        step_name: &str,
        from: Address,
        init_code: Bytes,
    ) -> Result<Address, DeployError> {
        step(step_name, self.deploy(from, init_code))
    }

    fn transact(
        &mut self,
        step_name: &str,
        from: Address,
        to: Address,
        calldata: Bytes,
    ) -> Result<(), DeployError> {
        step(
            step_name,
            Evm::transact(self, from, to, calldata).and_then(|o| o.ok()),
        )
        .map(drop)
    }
}

/// Deploys Confide artifact `name` with constructor arguments `args` of types `expected`.
pub(crate) fn deploy_artifact(
    target: &mut (impl DeployTarget + ?Sized),
    from: Address,
    name: &str,
    expected: &str,
    encoded_args: &[u8],
) -> Result<Address, DeployError> {
    let artifact = artifacts::get(name)?;
    let abi = artifact.abi()?;
    let code = init_code(
        name,
        &artifact.bytecode()?,
        abi.constructor.as_ref(),
        expected,
        encoded_args,
    )?;
    target.create(&format!("deploy {name}"), from, code)
}

/// Deploys Confide's `RLC` token with `supply` nRLC minted to `owner`.
pub fn deploy_rlc(
    target: &mut (impl DeployTarget + ?Sized),
    owner: Address,
    supply: U256,
) -> Result<Address, DeployError> {
    deploy_artifact(target, owner, "RLC", "uint256", &supply.abi_encode())
}

/// The registries and token a protocol is configured with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Configuration {
    pub(crate) token: Address,
    pub(crate) app_registry: Address,
    pub(crate) dataset_registry: Address,
    pub(crate) workerpool_registry: Address,
}

/// `configure(token, "Staked RLC", "SRLC", 9, registries, 0)` then the default categories, as
/// PoCo's deployment does.
pub(crate) fn configure(
    target: &mut (impl DeployTarget + ?Sized),
    owner: Address,
    protocol: Address,
    config: Configuration,
) -> Result<(), DeployError> {
    let (name, symbol, decimals) = SRLC;
    let call = IConfide::configureCall {
        _0: config.token,
        _1: name.to_owned(),
        _2: symbol.to_owned(),
        _3: decimals,
        _4: config.app_registry,
        _5: config.dataset_registry,
        _6: config.workerpool_registry,
        _7: Address::ZERO,
    };
    target.transact("configure", owner, protocol, call.abi_encode().into())?;
    for category in DEFAULT_CATEGORIES {
        let call = IConfide::createCategoryCall {
            _0: category.name.to_owned(),
            _1: CATEGORY_DESCRIPTION.to_owned(),
            _2: U256::from(category.work_clock_time_ref),
        };
        target.transact(
            &format!("createCategory({})", category.name),
            owner,
            protocol,
            call.abi_encode().into(),
        )?;
    }
    Ok(())
}
