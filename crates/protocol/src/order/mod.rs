//! The four PoCo orders (poco.md §1.1), their EIP-712 hashes (§1.2–1.4) and JSON shape.
//!
//! Field order is normative: it is both the ABI tuple order and the EIP-712 member order. The
//! `sign` field is not part of the signed struct; it lives in [`SignedOrder`].

mod json;
mod signed;

pub use json::{Order, OrderJsonError};
pub use signed::{AnyOrder, SignedOrder, SigningError};

use crate::eip712::Domain;
use crate::tag::Tag;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolStruct, sol};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;

sol! {
    /// Signed by the app owner: the app's price and who may use it.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct AppOrder {
        address app;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 appprice;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 volume;
        #[serde(with = "crate::tag::serde_tag")]
        bytes32 tag;
        address datasetrestrict;
        address workerpoolrestrict;
        address requesterrestrict;
        bytes32 salt;
    }

    /// Signed by the dataset owner: an access grant, priced and counted.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct DatasetOrder {
        address dataset;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 datasetprice;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 volume;
        #[serde(with = "crate::tag::serde_tag")]
        bytes32 tag;
        address apprestrict;
        address workerpoolrestrict;
        address requesterrestrict;
        bytes32 salt;
    }

    /// Signed by the workerpool owner (the scheduler): what the pool offers and at which price.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct WorkerpoolOrder {
        address workerpool;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 workerpoolprice;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 volume;
        #[serde(with = "crate::tag::serde_tag")]
        bytes32 tag;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 category;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 trust;
        address apprestrict;
        address datasetrestrict;
        address requesterrestrict;
        bytes32 salt;
    }

    /// Signed by the requester: what to run, on what, at which maximum prices.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RequestOrder {
        address app;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 appmaxprice;
        address dataset;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 datasetmaxprice;
        address workerpool;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 workerpoolmaxprice;
        address requester;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 volume;
        #[serde(with = "crate::tag::serde_tag")]
        bytes32 tag;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 category;
        #[serde(with = "crate::serde_helpers::uint")]
        uint256 trust;
        address beneficiary;
        address callback;
        #[serde(deserialize_with = "crate::order::json::params_string")]
        string params;
        bytes32 salt;
    }

    // Presign/cancel operations (poco.md §1.1, §6). `operation` is a Solidity enum (uint8 in the
    // ABI) but typed uint256 in the EIP-712 strings, which is what these structs hash.
    #[derive(Debug)]
    struct AppOrderOperation { AppOrder order; uint256 operation; }
    #[derive(Debug)]
    struct DatasetOrderOperation { DatasetOrder order; uint256 operation; }
    #[derive(Debug)]
    struct WorkerpoolOrderOperation { WorkerpoolOrder order; uint256 operation; }
    #[derive(Debug)]
    struct RequestOrderOperation { RequestOrder order; uint256 operation; }
}

/// Which of the four orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    /// [`AppOrder`].
    App,
    /// [`DatasetOrder`].
    Dataset,
    /// [`WorkerpoolOrder`].
    Workerpool,
    /// [`RequestOrder`].
    Request,
}

impl OrderKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::App, Self::Dataset, Self::Workerpool, Self::Request];

    /// Lower-case name (`app`, `dataset`, `workerpool`, `request`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Dataset => "dataset",
            Self::Workerpool => "workerpool",
            Self::Request => "request",
        }
    }
}

impl fmt::Display for OrderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for OrderKind {
    type Err = OrderJsonError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| OrderJsonError::UnknownKind(s.to_owned()))
    }
}

/// A presign (`SIGN`) or cancel (`CLOSE`) operation on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderOperationKind {
    /// Presign: record the owner on-chain as the order's signer.
    Sign = 0,
    /// Close: mark the order fully consumed (irreversible).
    Close = 1,
}

/// Who must sign an order: the owner of an asset (read on-chain) or the requester named in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderIdentity {
    /// The current `owner()` of this app, dataset or workerpool contract.
    AssetOwner(Address),
    /// The requester written in the order.
    Requester(Address),
}

/// What the four order structs share.
pub trait PocoOrder:
    SolStruct + Clone + fmt::Debug + PartialEq + Serialize + DeserializeOwned
{
    /// Which order this is.
    const KIND: OrderKind;
    /// The EIP-712 struct of a presign/cancel operation on this order.
    type Operation: SolStruct;

    /// Number of tasks the order may be used for.
    fn volume(&self) -> U256;
    /// The order's tag.
    fn tag(&self) -> Tag;
    /// The order's salt.
    fn salt(&self) -> B256;
    /// Whose signature makes the order valid.
    fn identity(&self) -> OrderIdentity;
    /// Wraps the order in an operation.
    fn operation(&self, kind: OrderOperationKind) -> Self::Operation;

    /// EIP-712 `hashStruct` of the order.
    fn struct_hash(&self) -> B256 {
        self.eip712_hash_struct()
    }

    /// The order hash: the EIP-712 typed-data hash under `domain`, the id used on-chain and in APIs.
    fn hash(&self, domain: &Domain) -> B256 {
        domain.typed_data_hash(self.eip712_hash_struct())
    }

    /// Typed-data hash of a presign/cancel operation, the message an owner signs to relay it.
    fn operation_hash(&self, kind: OrderOperationKind, domain: &Domain) -> B256 {
        domain.typed_data_hash(self.operation(kind).eip712_hash_struct())
    }
}

macro_rules! impl_poco_order {
    ($order:ident, $operation:ident, $kind:ident, $identity:expr) => {
        impl PocoOrder for $order {
            const KIND: OrderKind = OrderKind::$kind;
            type Operation = $operation;

            fn volume(&self) -> U256 {
                self.volume
            }
            fn tag(&self) -> Tag {
                Tag(self.tag)
            }
            fn salt(&self) -> B256 {
                self.salt
            }
            fn identity(&self) -> OrderIdentity {
                let identity: fn(&Self) -> OrderIdentity = $identity;
                identity(self)
            }
            fn operation(&self, kind: OrderOperationKind) -> $operation {
                $operation {
                    order: self.clone(),
                    operation: U256::from(kind as u8),
                }
            }
        }
    };
}

impl_poco_order!(AppOrder, AppOrderOperation, App, |o| {
    OrderIdentity::AssetOwner(o.app)
});
impl_poco_order!(DatasetOrder, DatasetOrderOperation, Dataset, |o| {
    OrderIdentity::AssetOwner(o.dataset)
});
impl_poco_order!(WorkerpoolOrder, WorkerpoolOrderOperation, Workerpool, |o| {
    OrderIdentity::AssetOwner(o.workerpool)
});
impl_poco_order!(RequestOrder, RequestOrderOperation, Request, |o| {
    OrderIdentity::Requester(o.requester)
});

impl DatasetOrder {
    /// The all-zero dataset order matchOrders takes when a deal uses no dataset (sign `0x`).
    pub fn null() -> Self {
        Self::default()
    }
}
