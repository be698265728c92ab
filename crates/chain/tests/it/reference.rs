//! The reference PoCo deployed from its npm package: views and one TEE task, as the oracle
//! Confide is compared against.

use crate::scenario;
use crate::support::{addr, deploy_token, reference_package};
use alloy_json_abi::JsonAbi;
use alloy_primitives::Address;
use confide_chain::artifacts::bindings::{IConfide, IDiamond};
use confide_chain::deploy::{
    DIAMOND_FACETS, Implementation, TOKEN_FACETS, deploy_reference_poco_with_token,
};
use confide_chain::{Evm, EvmConfig, Protocol};
use std::path::Path;

fn deploy(evm: &mut Evm, package: &Path) -> Protocol {
    let owner = addr(1);
    let token = deploy_token(evm, owner);
    deploy_reference_poco_with_token(evm, owner, package, token).unwrap()
}

#[test]
fn reference_poco_deploys_and_answers_views() {
    let Some(package) = reference_package("reference_poco_deploys_and_answers_views") else {
        return;
    };
    let mut evm = Evm::new(EvmConfig::with_chain_id(scenario::CHAIN_ID));
    let protocol = deploy(&mut evm, &package);
    assert_eq!(protocol.implementation, Implementation::ReferencePoco);
    scenario::check_views(&mut evm, &protocol);

    // Every facet is cut in; no selector is exported twice in the token-mode set.
    let names: Vec<&str> = protocol.modules.iter().map(|m| m.name.as_str()).collect();
    let expected: Vec<&str> = TOKEN_FACETS
        .iter()
        .chain(&DIAMOND_FACETS)
        .copied()
        .collect();
    assert_eq!(names, expected);
    assert!(protocol.modules.iter().all(|m| m.shadowed.is_empty()));
    for module in &protocol.modules {
        for selector in &module.selectors {
            let routed = evm
                .view(
                    protocol.address,
                    &IDiamond::facetAddressCall {
                        selector: *selector,
                    },
                )
                .unwrap();
            assert_eq!(routed, module.address, "{} {selector}", module.name);
        }
    }
    // The whole IConfide ABI is served, except renounceOwnership (no PoCo facet has it).
    let missing: Vec<&str> = IConfide::IConfideCalls::SELECTORS
        .iter()
        .filter(|s| protocol.module_of((**s).into()).is_none())
        .map(|s| IConfide::IConfideCalls::name_by_selector(*s).unwrap_or("?"))
        .collect();
    assert_eq!(missing, ["renounceOwnership"]);
    assert_ne!(protocol.token, Address::ZERO);
}

#[test]
fn reference_poco_tee_task() {
    let Some(package) = reference_package("reference_poco_tee_task") else {
        return;
    };
    let (mut evm, protocol) = scenario::reference(&package);
    scenario::checked_tee_task(&mut evm, &protocol, "the reference PoCo 6.1.0");
}

/// `IConfide` is PoCo's `IexecInterfaceToken`: the same functions (with outputs) and events
/// (with indexing), and a superset of its errors.
#[test]
fn iconfide_is_the_reference_interface() {
    let Some(package) = reference_package("iconfide_is_the_reference_interface") else {
        return;
    };
    let path = package.join("artifacts/contracts/IexecInterfaceToken.sol/IexecInterfaceToken.json");
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let reference: JsonAbi = serde_json::from_value(artifact["abi"].clone()).unwrap();
    let ours = confide_chain::artifacts::get("IConfide")
        .unwrap()
        .abi()
        .unwrap();
    // Functions and events are identical; Confide may declare more errors (decodable reasons
    // where PoCo reverts bare), never fewer.
    let (ours, reference) = (shape(&ours), shape(&reference));
    let not_errors = |shape: &[String]| {
        shape
            .iter()
            .filter(|s| !s.starts_with("error "))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(not_errors(&ours), not_errors(&reference));
    for error in reference.iter().filter(|s| s.starts_with("error ")) {
        assert!(ours.contains(error), "{error} is missing");
    }
}

/// Sorted signatures of an ABI's functions (with output types), events (with indexing) and
/// errors.
fn shape(abi: &JsonAbi) -> Vec<String> {
    let types = |params: &[alloy_json_abi::Param]| {
        params
            .iter()
            .map(|p| p.selector_type().into_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut shape: Vec<String> = abi
        .functions()
        .map(|f| {
            format!(
                "function {} returns ({}) {:?}",
                f.signature(),
                types(&f.outputs),
                f.state_mutability
            )
        })
        .chain(abi.events().map(|e| {
            let indexed: Vec<bool> = e.inputs.iter().map(|i| i.indexed).collect();
            format!("event {} {indexed:?}", e.signature())
        }))
        .chain(abi.errors().map(|e| format!("error {}", e.signature())))
        .collect();
    shape.sort();
    shape
}
