//! What the API exchanges: published orders, pages of them, unpublish targets.

use alloy_primitives::{Address, B256, U256};
use confide_protocol::SignedOrder;
use confide_protocol::order::{Order, OrderKind};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// Where an order of the book stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Volume left, signed by its asset's current owner: listed.
    Open,
    /// Consumed by deals to its whole volume.
    Filled,
    /// Closed on-chain by its owner (`manage*Order` CLOSE).
    Canceled,
    /// Its asset changed owner: the signature no longer counts.
    Dead,
}

impl OrderStatus {
    /// The name stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Filled => "filled",
            Self::Canceled => "canceled",
            Self::Dead => "dead",
        }
    }
}

impl FromStr for OrderStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Self::Open, Self::Filled, Self::Canceled, Self::Dead]
            .into_iter()
            .find(|status| status.name() == text)
            .ok_or_else(|| format!("unknown order status {text:?}"))
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An order of the book, as the API shows it (iExec's `Published*order`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishedOrder {
    /// The EIP-712 order hash.
    pub order_hash: B256,
    /// The chain the order is signed for.
    pub chain_id: u64,
    /// Volume left (a JSON number up to 2^53 − 1, a decimal string above).
    #[serde(with = "remaining")]
    pub remaining: U256,
    /// Where it stands.
    pub status: OrderStatus,
    /// Whose signature made it valid: the asset's owner at publication (the requester).
    pub signer: Address,
    /// When it was published (ISO 8601, UTC, milliseconds).
    pub publication_timestamp: String,
    /// The signed order, iExec's field names.
    pub order: SignedOrder<Order>,
}

impl PublishedOrder {
    /// The order's kind.
    pub fn kind(&self) -> OrderKind {
        self.order.order.kind()
    }
}

/// One page of a query's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    /// How many orders match, over every page.
    pub count: u64,
    /// This page, best price first.
    pub orders: Vec<PublishedOrder>,
    /// The next page's index, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

/// Which orders an unpublish request takes off the book (`target` of iExec's API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnpublishTarget {
    /// `unpublish_orderHash`: one order.
    OrderHash(B256),
    /// `unpublish_all`: every order of an asset (of a requester, for request orders).
    All(Address),
    /// `unpublish_last`: the most recently published open order of an asset (requester).
    Last(Address),
}

impl UnpublishTarget {
    /// The `target` value.
    pub const fn name(self) -> &'static str {
        match self {
            Self::OrderHash(_) => "unpublish_orderHash",
            Self::All(_) => "unpublish_all",
            Self::Last(_) => "unpublish_last",
        }
    }

    /// The request body for orders of `kind`: the asset is named by the kind's field (`app`,
    /// `dataset`, `workerpool`, `requester`), as the SDK sends it.
    pub fn body(self, kind: OrderKind) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("target".into(), self.name().into());
        match self {
            Self::OrderHash(hash) => {
                body.insert("orderHash".into(), hash.to_string().into());
            }
            Self::All(address) | Self::Last(address) => {
                body.insert(asset_field(kind).into(), address.to_string().into());
            }
        }
        serde_json::Value::Object(body)
    }

    /// Reads an unpublish request body for orders of `kind`.
    pub fn from_body(kind: OrderKind, body: &serde_json::Value) -> Result<Self, String> {
        let fields = body.as_object().ok_or("the body must be a JSON object")?;
        let field = asset_field(kind);
        for name in fields.keys() {
            if !["target", "orderHash", field].contains(&name.as_str()) {
                return Err(format!(
                    "unknown field `{name}` (expected target, orderHash, {field})"
                ));
            }
        }
        let text = |name: &str| -> Result<&str, String> {
            fields
                .get(name)
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| format!("`{name}` must be a string"))
        };
        let target = match fields.get("target") {
            None => "unpublish_orderHash",
            Some(_) => text("target")?,
        };
        let address = || -> Result<Address, String> {
            text(field)?
                .parse()
                .map_err(|_| format!("`{field}` is not an address"))
        };
        match target {
            "unpublish_orderHash" => text("orderHash")?
                .parse()
                .map(Self::OrderHash)
                .map_err(|_| "`orderHash` is not a 0x-prefixed 32-byte hex hash".to_owned()),
            "unpublish_all" => address().map(Self::All),
            "unpublish_last" => address().map(Self::Last),
            other => Err(format!(
                "unknown target {other:?} (expected unpublish_orderHash, unpublish_all or unpublish_last)"
            )),
        }
    }
}

/// The field naming the asset of an order of `kind` (the requester for request orders).
pub const fn asset_field(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => "app",
        OrderKind::Dataset => "dataset",
        OrderKind::Workerpool => "workerpool",
        OrderKind::Request => "requester",
    }
}

/// The path of the collection of orders of `kind` (`/apporders`...).
pub fn collection(kind: OrderKind) -> String {
    format!("/{}orders", kind.name())
}

/// The largest integer a JSON number carries exactly in JavaScript (2^53 − 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `remaining` as iExec's SDK reads it: a number; above 2^53 − 1, a decimal string.
mod remaining {
    use super::*;

    pub(super) fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        match u64::try_from(*value) {
            Ok(small) if small <= MAX_SAFE_INTEGER => serializer.serialize_u64(small),
            _ => serializer.serialize_str(&value.to_string()),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<U256, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Number(number) => number
                .as_u64()
                .map(U256::from)
                .ok_or_else(|| de::Error::custom("remaining must be a non-negative integer")),
            serde_json::Value::String(text) => {
                confide_protocol::parse_uint(&text).map_err(de::Error::custom)
            }
            _ => Err(de::Error::custom("remaining must be a number or a string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpublish_bodies_round_trip_in_the_sdk_shape() {
        let app = Address::repeat_byte(0xaa);
        let hash = B256::repeat_byte(0x11);
        for (kind, target) in [
            (OrderKind::App, UnpublishTarget::All(app)),
            (OrderKind::Request, UnpublishTarget::Last(app)),
            (OrderKind::Dataset, UnpublishTarget::OrderHash(hash)),
        ] {
            let body = target.body(kind);
            assert_eq!(UnpublishTarget::from_body(kind, &body), Ok(target));
        }
        let body = UnpublishTarget::All(app).body(OrderKind::Request);
        assert_eq!(body["requester"], app.to_string());
        let wrong = serde_json::json!({"target": "unpublish_all", "app": app.to_string()});
        assert!(UnpublishTarget::from_body(OrderKind::Dataset, &wrong).is_err());
        let unknown = serde_json::json!({"target": "unpublish_some", "orderHash": hash});
        assert!(UnpublishTarget::from_body(OrderKind::Dataset, &unknown).is_err());
    }

    #[test]
    fn remaining_is_a_number_while_javascript_reads_it_exactly() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct R(#[serde(with = "remaining")] U256);
        let small = serde_json::to_value(R(U256::from(MAX_SAFE_INTEGER))).unwrap();
        assert_eq!(small, serde_json::json!(9_007_199_254_740_991_u64));
        let big = serde_json::to_value(R(U256::from(MAX_SAFE_INTEGER + 1))).unwrap();
        assert_eq!(big, serde_json::json!("9007199254740992"));
        assert_eq!(
            serde_json::from_value::<R>(big).unwrap(),
            R(U256::from(MAX_SAFE_INTEGER + 1))
        );
    }
}
