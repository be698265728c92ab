//! Confide's own deployment: modules behind the `Confide` router, registries, RLC and
//! DataProtector, configured like PoCo's.
//!
//! Artifacts are looked up by name at run time, so this compiles before every contract exists
//! and fails with [`ArtifactError::Missing`](crate::artifacts::ArtifactError::Missing) naming the
//! first absent one.

use super::{
    Configuration, DeployError, DeployTarget, Implementation, Module, Protocol, RLC_SUPPLY,
    configure, deploy_artifact, deploy_rlc,
};
use crate::artifacts;
use alloy_primitives::{Address, Selector, U256};
use alloy_sol_types::SolValue;

/// The modules behind the router, in routing order. The router (`Confide`) serves matching
/// and the task lifecycle itself (`MatchModule` and `TaskModule` are compiled into it).
pub const CONFIDE_MODULES: [&str; 4] = ["EscrowModule", "OrderModule", "ViewModule", "AdminModule"];

/// Deploys and configures Confide: a fresh `RLC` (87 M RLC minted to `owner`), the modules,
/// the `Confide` router with a route table built from each module's ABI (owned by `owner`),
/// the three registries, `DataProtector`, then `configure` and the five default categories.
/// [`Protocol::modules`] lists the router first, with the selectors it serves itself.
///
/// `target` is an in-process [`Evm`](crate::Evm) or a [`DeployPlan`](super::DeployPlan) to send
/// to a node.
pub fn deploy_confide(
    target: &mut (impl DeployTarget + ?Sized),
    owner: Address,
) -> Result<Protocol, DeployError> {
    // Every artifact first: a missing one fails before any transaction.
    for name in CONFIDE_MODULES.iter().chain(&[
        "Confide",
        "RLC",
        "AppRegistry",
        "DatasetRegistry",
        "WorkerpoolRegistry",
        "DataProtector",
    ]) {
        artifacts::get(name)?;
    }

    let token = deploy_rlc(target, owner, U256::from(RLC_SUPPLY))?;

    // The router's own functions come first: a module exporting one of them is refused.
    let mut modules: Vec<Module> = vec![Module {
        name: "Confide".to_owned(),
        address: Address::ZERO,
        selectors: artifacts::get("Confide")?.selectors()?,
        shadowed: Vec::new(),
    }];
    for name in CONFIDE_MODULES {
        let selectors = artifacts::get(name)?.selectors()?;
        check_unique(&modules, name, &selectors)?;
        let address = deploy_artifact(target, owner, name, "", &[])?;
        modules.push(Module {
            name: name.to_owned(),
            address,
            selectors,
            shadowed: Vec::new(),
        });
    }
    let address = deploy_router(target, owner, &modules[1..])?;
    modules[0].address = address;

    let app_registry = deploy_artifact(target, owner, "AppRegistry", "", &[])?;
    let dataset_registry = deploy_artifact(target, owner, "DatasetRegistry", "", &[])?;
    let workerpool_registry = deploy_artifact(target, owner, "WorkerpoolRegistry", "", &[])?;
    let data_protector = deploy_artifact(
        target,
        owner,
        "DataProtector",
        "address",
        &dataset_registry.abi_encode(),
    )?;

    let config = Configuration {
        token,
        app_registry,
        dataset_registry,
        workerpool_registry,
    };
    configure(target, owner, address, config)?;

    Ok(Protocol {
        implementation: Implementation::Confide,
        address,
        owner,
        token,
        app_registry,
        dataset_registry,
        workerpool_registry,
        data_protector: Some(data_protector),
        modules,
    })
}

/// Deploys the `Confide` router owned by `owner`, routing each module's selectors to it.
pub fn deploy_router(
    target: &mut (impl DeployTarget + ?Sized),
    owner: Address,
    modules: &[Module],
) -> Result<Address, DeployError> {
    let addresses: Vec<Address> = modules.iter().map(|m| m.address).collect();
    let selectors: Vec<Vec<Selector>> = modules.iter().map(|m| m.selectors.clone()).collect();
    deploy_artifact(
        target,
        owner,
        "Confide",
        "address,address[],bytes4[][]",
        &(owner, addresses, selectors).abi_encode_params(),
    )
}

fn check_unique(modules: &[Module], name: &str, selectors: &[Selector]) -> Result<(), DeployError> {
    for selector in selectors {
        if let Some(first) = modules.iter().find(|m| m.selectors.contains(selector)) {
            return Err(DeployError::DuplicateSelector {
                selector: *selector,
                first: first.name.clone(),
                second: name.to_owned(),
            });
        }
    }
    Ok(())
}
