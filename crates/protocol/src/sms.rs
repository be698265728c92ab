//! Challenges signed to push secrets to the SMS (devtools.md §1.5, §3.1).

use alloy_primitives::{Address, B256, keccak256};

/// `keccak256("IEXEC_SMS_DOMAIN")`.
pub fn sms_domain() -> B256 {
    keccak256("IEXEC_SMS_DOMAIN")
}

/// Web3 secret (dataset key) challenge: `keccak256(D ‖ address ‖ keccak256(value))`, signed as a
/// personal message by the on-chain owner of `address`.
pub fn web3_secret_challenge(secret_address: Address, value: impl AsRef<[u8]>) -> B256 {
    let mut preimage = Vec::with_capacity(84);
    preimage.extend_from_slice(sms_domain().as_slice());
    preimage.extend_from_slice(secret_address.as_slice());
    preimage.extend_from_slice(keccak256(value).as_slice());
    keccak256(preimage)
}

/// Web2, requester and app-developer secret challenge:
/// `keccak256(D ‖ owner ‖ keccak256(name) ‖ keccak256(value))`.
pub fn web2_secret_challenge(owner: Address, name: &str, value: impl AsRef<[u8]>) -> B256 {
    let mut preimage = Vec::with_capacity(116);
    preimage.extend_from_slice(sms_domain().as_slice());
    preimage.extend_from_slice(owner.as_slice());
    preimage.extend_from_slice(keccak256(name).as_slice());
    preimage.extend_from_slice(keccak256(value).as_slice());
    keccak256(preimage)
}
