//! The EIP-712 domain of PoCo orders (poco.md §1.3) and typed-data hashing.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::Eip712Domain;
use std::borrow::Cow;

/// Domain name of PoCo orders.
pub const DOMAIN_NAME: &str = "iExecODB";
/// Domain version of PoCo orders.
pub const DOMAIN_VERSION: &str = "5.0.0";

/// The EIP-712 domain of one PoCo deployment: chain id and PoCo proxy address.
///
/// Every order hash depends on it, so an order signed for one chain or deployment is worthless
/// on another. The domain separator is computed once, at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "DomainFields", into = "DomainFields")]
pub struct Domain {
    chain_id: U256,
    verifying_contract: Address,
    separator: B256,
}

/// The serialized form of [`Domain`].
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DomainFields {
    #[serde(with = "crate::serde_helpers::uint")]
    chain_id: U256,
    verifying_contract: Address,
}

impl From<DomainFields> for Domain {
    fn from(fields: DomainFields) -> Self {
        Self::new(fields.chain_id, fields.verifying_contract)
    }
}

impl From<Domain> for DomainFields {
    fn from(domain: Domain) -> Self {
        Self {
            chain_id: domain.chain_id,
            verifying_contract: domain.verifying_contract,
        }
    }
}

impl Domain {
    /// The domain of the PoCo proxy at `verifying_contract` on chain `chain_id`.
    pub fn new(chain_id: U256, verifying_contract: Address) -> Self {
        let domain = Eip712Domain::new(
            Some(Cow::Borrowed(DOMAIN_NAME)),
            Some(Cow::Borrowed(DOMAIN_VERSION)),
            Some(chain_id),
            Some(verifying_contract),
            None,
        );
        Self {
            chain_id,
            verifying_contract,
            separator: domain.separator(),
        }
    }

    /// `block.chainid` of the chain.
    pub fn chain_id(&self) -> U256 {
        self.chain_id
    }

    /// Address of the PoCo proxy.
    pub fn verifying_contract(&self) -> Address {
        self.verifying_contract
    }

    /// The same domain as alloy's type.
    pub fn to_alloy(&self) -> Eip712Domain {
        alloy_domain(self.chain_id, self.verifying_contract)
    }

    /// `domainSeparator` = hashStruct(EIP712Domain), as `eip712domain_separator()` returns it.
    pub fn separator(&self) -> B256 {
        self.separator
    }

    /// keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash): the hash that gets signed.
    pub fn typed_data_hash(&self, struct_hash: B256) -> B256 {
        let mut preimage = [0u8; 66];
        preimage[0] = 0x19;
        preimage[1] = 0x01;
        preimage[2..34].copy_from_slice(self.separator.as_slice());
        preimage[34..].copy_from_slice(struct_hash.as_slice());
        keccak256(preimage)
    }
}

fn alloy_domain(chain_id: U256, verifying_contract: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some(Cow::Borrowed(DOMAIN_NAME)),
        Some(Cow::Borrowed(DOMAIN_VERSION)),
        Some(chain_id),
        Some(verifying_contract),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{AppOrder, DatasetOrder, RequestOrder, WorkerpoolOrder};
    use alloy_sol_types::SolStruct;

    fn type_hash<T: SolStruct>() -> B256 {
        keccak256(T::eip712_encode_type().as_bytes())
    }

    /// The type hashes PoCo's IexecLibOrders_v5 hard-codes (poco.md §1.2).
    #[test]
    fn type_hashes_match_the_protocol_constants() {
        let expect = |got: B256, want: &str| assert_eq!(got, want.parse::<B256>().unwrap());
        expect(
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
            ),
            "0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f",
        );
        expect(
            type_hash::<AppOrder>(),
            "0x60815a0eeec47dddf1615fe53b31d016c31444e01b9d796db365443a6445d008",
        );
        expect(
            type_hash::<DatasetOrder>(),
            "0x6cfc932a5a3d22c4359295b9f433edff52b60703fa47690a04a83e40933dd47c",
        );
        expect(
            type_hash::<WorkerpoolOrder>(),
            "0xaa3429fb281b34691803133d3d978a75bb77c617ed6bc9aa162b9b30920022bb",
        );
        expect(
            type_hash::<RequestOrder>(),
            "0xf24e853034a3a450aba845a82914fbb564ad85accca6cf62be112a154520fae0",
        );
        use crate::order::{
            AppOrderOperation, DatasetOrderOperation, RequestOrderOperation,
            WorkerpoolOrderOperation,
        };
        expect(
            type_hash::<AppOrderOperation>(),
            "0x0638bb0702457e2b4b01be8a202579b8bf97e587fb4f2cc4d4aad01f21a06ee0",
        );
        expect(
            type_hash::<DatasetOrderOperation>(),
            "0x075eb6f7578ff4292c241bd2484cd5c1d5e6ecc2ddd3317e1d8176b5a45865ec",
        );
        expect(
            type_hash::<WorkerpoolOrderOperation>(),
            "0x322d980b7d7a6a1f7c39ff0c5445da6ae1d8e0393ff0dd468c8be3e2c8644388",
        );
        expect(
            type_hash::<RequestOrderOperation>(),
            "0x0ded7b52c2d77595a40d242eca751df172b18e686326dbbed3f4748828af77c7",
        );
    }

    #[test]
    fn serde_round_trip_recomputes_the_separator() {
        let domain = Domain::new(U256::from(421614), Address::repeat_byte(0xb2));
        let json = serde_json::to_value(domain).unwrap();
        assert_eq!(json["chainId"], "421614");
        assert!(json.get("separator").is_none());
        assert_eq!(serde_json::from_value::<Domain>(json).unwrap(), domain);
        assert_eq!(domain.separator(), domain.to_alloy().separator());
    }

    #[test]
    fn typed_data_hash_is_alloys_signing_hash() {
        let domain = Domain::new(U256::from(134), Address::repeat_byte(0x3e));
        let order = AppOrder {
            volume: U256::from(3),
            ..Default::default()
        };
        assert_eq!(
            domain.typed_data_hash(order.eip712_hash_struct()),
            order.eip712_signing_hash(&domain.to_alloy())
        );
    }
}
