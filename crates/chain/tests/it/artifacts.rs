//! The embedded artifacts and their bindings.

use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::{IConfide, confide::Confide};
use confide_chain::artifacts::{self, ArtifactError};

#[test]
fn artifacts_are_embedded_and_looked_up_by_name() {
    let names: Vec<&str> = artifacts::all().map(|a| a.name()).collect();
    assert!(
        names.contains(&"Confide") && names.contains(&"IConfide"),
        "{names:?}"
    );
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted: {names:?}");

    let router = artifacts::get("Confide").unwrap();
    assert_eq!(router.bytecode().unwrap(), Confide::BYTECODE);
    assert_eq!(
        router.deployed_bytecode().unwrap(),
        Confide::DEPLOYED_BYTECODE
    );

    let interface = artifacts::get("IConfide").unwrap();
    assert!(matches!(
        interface.bytecode(),
        Err(ArtifactError::NotDeployable(_))
    ));

    let err = artifacts::get("NoSuchModule").unwrap_err();
    assert!(matches!(&err, ArtifactError::Missing(name) if name == "NoSuchModule"));
    assert!(err.to_string().contains("`NoSuchModule`"), "{err}");
    assert!(!artifacts::exists("NoSuchModule"));
}

#[test]
fn bindings_match_the_artifact_abi() {
    let mut bound: Vec<[u8; 4]> = IConfide::IConfideCalls::SELECTORS.to_vec();
    bound.sort_unstable();
    let from_abi: Vec<[u8; 4]> = artifacts::get("IConfide")
        .unwrap()
        .selectors()
        .unwrap()
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(bound, from_abi);
    // PoCo's selectors (poco.md §2-3).
    assert_eq!(
        IConfide::matchOrdersCall::SELECTOR,
        [0x15, 0x61, 0x94, 0xd4]
    );
    assert_eq!(IConfide::initializeCall::SELECTOR, [0x5b, 0x36, 0xc6, 0x6b]);
    assert_eq!(
        IConfide::contributeAndFinalizeCall::SELECTOR,
        [0x5f, 0xac, 0xd7, 0x61]
    );
}
