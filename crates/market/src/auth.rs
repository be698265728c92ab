//! Who is publishing: iExec's market login (devtools.md §1.7). `GET /challenge?chainId&address`
//! gives EIP-712 typed data `Challenge(string challenge)` holding a random, single-use, expiring
//! value; the client signs it (`eth_signTypedData_v4`) and sends
//! `Authorization: <typedDataHash>_<signature>_<address>`.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{Eip712Domain, SolStruct, sol};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

sol! {
    /// The message a publisher signs to log in.
    #[derive(Debug)]
    struct Challenge {
        string challenge;
    }
}

/// The EIP-712 domain name of challenges.
pub const CHALLENGE_DOMAIN_NAME: &str = "Confide Market";
/// The EIP-712 domain version of challenges.
pub const CHALLENGE_DOMAIN_VERSION: &str = "1";

/// The text signed, around the random value.
pub fn challenge_text(value: &str) -> String {
    format!("Sign this message to log into the Confide market: {value}")
}

/// Challenge typed data, as `GET /challenge` answers it in `data` (what `eth_signTypedData_v4`
/// takes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeTypedData {
    /// `EIP712Domain` and `Challenge` member lists.
    pub types: Value,
    /// `{name, version, chainId}`.
    pub domain: ChallengeDomain,
    /// `Challenge`.
    pub primary_type: String,
    /// `{challenge}`.
    pub message: ChallengeMessage,
}

/// The domain of a challenge (no verifying contract: the market is off-chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeDomain {
    /// [`CHALLENGE_DOMAIN_NAME`].
    pub name: String,
    /// [`CHALLENGE_DOMAIN_VERSION`].
    pub version: String,
    /// The chain the market serves.
    pub chain_id: u64,
}

/// The message of a challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeMessage {
    /// The text to sign, with the random value.
    pub challenge: String,
}

impl ChallengeTypedData {
    /// The typed data of the challenge `text` on chain `chain_id`.
    pub fn new(chain_id: u64, text: String) -> Self {
        Self {
            types: json!({
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                ],
                "Challenge": [{"name": "challenge", "type": "string"}],
            }),
            domain: ChallengeDomain {
                name: CHALLENGE_DOMAIN_NAME.to_owned(),
                version: CHALLENGE_DOMAIN_VERSION.to_owned(),
                chain_id,
            },
            primary_type: "Challenge".to_owned(),
            message: ChallengeMessage { challenge: text },
        }
    }

    /// The typed-data hash: what is signed, and the challenge's id.
    pub fn hash(&self) -> B256 {
        let domain = Eip712Domain::new(
            Some(Cow::Owned(self.domain.name.clone())),
            Some(Cow::Owned(self.domain.version.clone())),
            Some(U256::from(self.domain.chain_id)),
            None,
            None,
        );
        Challenge {
            challenge: self.message.challenge.clone(),
        }
        .eip712_signing_hash(&domain)
    }

    /// `signer`'s answer: the `Authorization` header value.
    pub fn sign(
        &self,
        signer: &(impl SignerSync + ?Sized),
        address: Address,
    ) -> Result<Authorization, alloy_signer::Error> {
        let hash = self.hash();
        let signature = signer.sign_hash_sync(&hash)?;
        Ok(Authorization {
            hash,
            signature: Bytes::copy_from_slice(&signature.as_bytes()),
            address,
        })
    }
}

/// The `Authorization` header: a challenge's hash, its signature and the signer's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The challenge's typed-data hash.
    pub hash: B256,
    /// The signature (65 bytes by an EOA; any bytes for an ERC-1271 contract).
    pub signature: Bytes,
    /// Who claims to have signed.
    pub address: Address,
}

/// Why an `Authorization` header does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Authorization header: {0} (expected <0x hash>_<0x signature>_<0x address>)")]
pub struct AuthorizationSyntaxError(String);

/// Signatures longer than this are refused (an ERC-1271 wallet's may exceed 65 bytes).
pub const MAX_SIGNATURE_BYTES: usize = 1024;

impl FromStr for Authorization {
    type Err = AuthorizationSyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |why: &str| AuthorizationSyntaxError(why.to_owned());
        let mut parts = text.trim().split('_');
        let (Some(hash), Some(signature), Some(address), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("not three parts separated by `_`"));
        };
        let hex = |part: &str| part.starts_with("0x") || part.starts_with("0X");
        if !(hex(hash) && hex(signature) && hex(address)) {
            return Err(fail("every part must be 0x-prefixed hex"));
        }
        let hash = hash
            .parse()
            .map_err(|_| fail("the hash is not 32 bytes of hex"))?;
        let signature: Bytes = signature
            .parse()
            .map_err(|_| fail("the signature is not hex"))?;
        if signature.len() > MAX_SIGNATURE_BYTES {
            return Err(fail("the signature is too long"));
        }
        let address = address
            .parse()
            .map_err(|_| fail("the address is not 20 bytes of hex"))?;
        Ok(Self {
            hash,
            signature,
            address,
        })
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}", self.hash, self.signature, self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_signer_local::PrivateKeySigner;

    #[test]
    fn typed_data_is_what_eth_sign_typed_data_v4_takes() {
        let typed = ChallengeTypedData::new(134, challenge_text("abc"));
        let value = serde_json::to_value(&typed).unwrap();
        assert_eq!(value["primaryType"], "Challenge");
        assert_eq!(value["domain"]["chainId"], 134);
        assert_eq!(value["types"]["Challenge"][0]["type"], "string");
        let back: ChallengeTypedData = serde_json::from_value(value).unwrap();
        assert_eq!(back.hash(), typed.hash());
        // The hash binds the chain and the value.
        assert_ne!(
            ChallengeTypedData::new(1, challenge_text("abc")).hash(),
            typed.hash()
        );
        assert_ne!(
            ChallengeTypedData::new(134, challenge_text("abd")).hash(),
            typed.hash()
        );
    }

    #[test]
    fn the_header_round_trips_and_recovers_to_its_signer() {
        let signer = PrivateKeySigner::random();
        let typed = ChallengeTypedData::new(134, challenge_text("xyz"));
        let authorization = typed.sign(&signer, signer.address()).unwrap();
        let header = authorization.to_string();
        let parsed: Authorization = header.parse().unwrap();
        assert_eq!(parsed, authorization);
        let recovered =
            confide_protocol::signature::recover_prehash_signer(&parsed.hash, &parsed.signature)
                .unwrap();
        assert_eq!(recovered, signer.address());
        for bad in [
            "",
            "0x12_0x34",
            "a_b_c",
            &format!("{}_0x12_0x34", parsed.hash),
            &format!("{}_{}_{}_x", parsed.hash, parsed.signature, parsed.address),
            &format!("{}_{}_{}", parsed.hash, "0xzz", parsed.address),
        ] {
            assert!(bad.parse::<Authorization>().is_err(), "{bad}");
        }
    }
}
