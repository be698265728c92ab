//! Confide's deployment: runs the shared checks and scenario once the contracts exist.

use crate::scenario;
use crate::support::{addr, deploy_token};
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::{IConfide, IERC20, confide::Confide};
use confide_chain::artifacts::{self, ArtifactError};
use confide_chain::deploy::{CONFIDE_MODULES, DeployError, Module, deploy_confide, deploy_router};
use confide_chain::scenario::{Actors, Session};
use confide_chain::{Evm, EvmConfig, EvmError, Revert};

const NEEDED: [&str; 6] = [
    "RLC",
    "AppRegistry",
    "DatasetRegistry",
    "WorkerpoolRegistry",
    "DataProtector",
    "Confide",
];

/// `None` (after a message) while a contract of the deployment is not compiled yet.
fn deployable(test: &str) -> Option<()> {
    let missing: Vec<&str> = CONFIDE_MODULES
        .iter()
        .chain(&NEEDED)
        .copied()
        .filter(|name| !artifacts::exists(name))
        .collect();
    if missing.is_empty() {
        return Some(());
    }
    // The deployer refuses before any transaction, naming a missing artifact.
    let mut evm = Evm::default();
    let err = deploy_confide(&mut evm, addr(1)).unwrap_err();
    assert!(
        matches!(&err, DeployError::Artifact(ArtifactError::Missing(name)) if missing.contains(&name.as_str())),
        "{err}"
    );
    assert_eq!(evm.block_number(), 1);
    println!("skipped {test}: Confide's contracts are not all compiled yet (missing {missing:?})");
    None
}

#[test]
fn confide_deploys_and_answers_views() {
    if deployable("confide_deploys_and_answers_views").is_none() {
        return;
    }
    let mut evm = Evm::new(EvmConfig::with_chain_id(scenario::CHAIN_ID));
    let protocol = deploy_confide(&mut evm, addr(1)).unwrap();
    scenario::check_views(&mut evm, &protocol);

    // Every IConfide function is served: by the router itself (matching and the task
    // lifecycle, listed first) or by the one module the route table sends it to.
    assert_eq!(protocol.modules[0].name, "Confide");
    assert_eq!(protocol.modules[0].address, protocol.address);
    for selector in IConfide::IConfideCalls::SELECTORS {
        let name = IConfide::IConfideCalls::name_by_selector(*selector).unwrap_or("?");
        let module = protocol
            .module_of((*selector).into())
            .unwrap_or_else(|| panic!("{name} is not served"));
        let routed = evm
            .view(
                protocol.address,
                &Confide::moduleOfCall {
                    selector: (*selector).into(),
                },
            )
            .unwrap();
        let expected = if module.name == "Confide" {
            Address::ZERO
        } else {
            module.address
        };
        assert_eq!(routed, expected, "{name}");
    }
    let matching = protocol.module_of(IConfide::matchOrdersCall::SELECTOR.into());
    assert_eq!(matching.map(|m| m.name.as_str()), Some("Confide"));
}

/// EIP-170: the largest runtime bytecode a real chain accepts.
const MAX_RUNTIME_SIZE: usize = 24_576;

#[test]
fn every_contract_fits_the_runtime_size_limit_of_real_chains() {
    let mut compiled = 0;
    for artifact in artifacts::all() {
        let code = match artifact.deployed_bytecode() {
            Ok(code) => code,
            Err(ArtifactError::NotDeployable(_)) => continue,
            Err(err) => panic!("{err}"),
        };
        compiled += 1;
        assert!(
            code.len() < MAX_RUNTIME_SIZE,
            "{}: {} bytes of runtime code, limit {MAX_RUNTIME_SIZE}",
            artifact.name(),
            code.len()
        );
    }
    assert!(
        compiled >= NEEDED.len() + CONFIDE_MODULES.len(),
        "{compiled}"
    );
    if deployable("every_contract_fits_the_runtime_size_limit_of_real_chains").is_none() {
        return;
    }
    // What is deployed (immutables filled in, asset clones included) is what counts.
    let (mut evm, protocol) = scenario::confide();
    let mut deployed: Vec<(String, Address)> = protocol
        .modules
        .iter()
        .map(|m| (m.name.clone(), m.address))
        .collect();
    deployed.extend([
        ("RLC".to_owned(), protocol.token),
        ("AppRegistry".to_owned(), protocol.app_registry),
        ("DatasetRegistry".to_owned(), protocol.dataset_registry),
        (
            "WorkerpoolRegistry".to_owned(),
            protocol.workerpool_registry,
        ),
    ]);
    deployed.extend(
        protocol
            .data_protector
            .map(|a| ("DataProtector".to_owned(), a)),
    );
    let mut session = Session::new(&mut evm, &protocol, Actors::default()).unwrap();
    deployed.extend([
        ("App".to_owned(), session.create_app("app", true).unwrap()),
        (
            "Dataset".to_owned(),
            session.create_dataset("dataset").unwrap(),
        ),
        (
            "Workerpool".to_owned(),
            session.create_workerpool("pool").unwrap(),
        ),
    ]);
    for (name, address) in deployed {
        let size = evm.code(address).len();
        assert!(
            size > 0 && size < MAX_RUNTIME_SIZE,
            "{name} at {address}: {size} bytes"
        );
    }
}

#[test]
fn confide_tee_task() {
    if deployable("confide_tee_task").is_none() {
        return;
    }
    let (mut evm, protocol) = scenario::confide();
    scenario::checked_tee_task(&mut evm, &protocol, "Confide");
}

#[test]
fn the_router_routes_each_module_s_selectors() {
    let mut evm = Evm::default();
    let owner = addr(1);
    // Any contract serves as a module: the token's code runs on the router's storage.
    let token = deploy_token(&mut evm, owner);
    let module = |selectors: Vec<[u8; 4]>| Module {
        name: "token".into(),
        address: token,
        selectors: selectors.into_iter().map(Into::into).collect(),
        shadowed: Vec::new(),
    };
    let routed = vec![
        IERC20::decimalsCall::SELECTOR,
        IERC20::totalSupplyCall::SELECTOR,
    ];
    let router = deploy_router(&mut evm, owner, &[module(routed)]).unwrap();

    assert_eq!(evm.view(router, &IERC20::decimalsCall {}).unwrap(), 9);
    assert_eq!(
        evm.view(router, &IERC20::totalSupplyCall {}).unwrap(),
        U256::ZERO,
        "router storage"
    );
    let routed_to = evm
        .view(
            router,
            &Confide::moduleOfCall {
                selector: IERC20::decimalsCall::SELECTOR.into(),
            },
        )
        .unwrap();
    assert_eq!(routed_to, token);
    let revert = evm
        .call(owner, router, IERC20::nameCall {}.abi_encode())
        .unwrap()
        .revert
        .unwrap();
    assert_eq!(
        revert
            .custom::<Confide::FunctionNotFound>()
            .map(|e| e.selector.0),
        Some(IERC20::nameCall::SELECTOR)
    );

    // A selector served twice is refused at construction.
    let twice = vec![IERC20::decimalsCall::SELECTOR];
    let err = deploy_router(&mut evm, owner, &[module(twice.clone()), module(twice)]).unwrap_err();
    let DeployError::Evm { source, .. } = &err else {
        panic!("{err}")
    };
    let EvmError::Reverted { revert, .. } = source.as_ref() else {
        panic!("{err}")
    };
    assert!(
        revert.custom::<Confide::DuplicateSelector>().is_some(),
        "{revert}"
    );
    assert!(matches!(revert, Revert::Custom { .. }));
}
