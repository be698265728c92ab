//! Shared test helpers: keys, the RLC token, the reference package.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::Evm;
use confide_chain::deploy::{RLC_SUPPLY, deploy_rlc, reference_package_dir};
use std::path::PathBuf;

/// A deterministic test key.
pub(crate) fn key(n: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(n)).unwrap()
}

/// The address of [`key`]`(n)`.
pub(crate) fn addr(n: u8) -> Address {
    key(n).address()
}

/// Deploys the RLC token (87 M RLC to `owner`).
pub(crate) fn deploy_token(evm: &mut Evm, owner: Address) -> Address {
    deploy_rlc(evm, owner, U256::from(RLC_SUPPLY)).unwrap()
}

/// Init code deploying `runtime` as is (for hand-assembled test contracts).
pub(crate) fn raw_contract(runtime: &[u8]) -> Bytes {
    let len = u8::try_from(runtime.len()).unwrap();
    // PUSH1 len, DUP1, PUSH1 11, PUSH1 0, CODECOPY, PUSH1 0, RETURN
    let mut code = vec![
        0x60, len, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    code.extend_from_slice(runtime);
    code.into()
}

/// The extracted reference PoCo package (`scripts/reference-poco`), or `None` with a message
/// when absent — a failure under `CI=true`.
pub(crate) fn reference_package(test: &str) -> Option<PathBuf> {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = reference_package_dir(&crate_dir.join("../.."));
    if dir.join("package.json").is_file() {
        return Some(dir);
    }
    let why = format!(
        "{test}: the reference PoCo package is not at {} (run scripts/reference-poco, or set \
         CONFIDE_REFERENCE_POCO)",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    println!("skipped {why}");
    None
}
