//! Orders of any kind read from and written to the JSON shape of iExec's SDK and market API.

use super::{AppOrder, DatasetOrder, OrderKind, PocoOrder, RequestOrder, WorkerpoolOrder};
use crate::eip712::Domain;
use crate::tag::Tag;
use alloy_primitives::{B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_json::{Map, Value};

/// Why a JSON document is not an order.
#[derive(Debug, thiserror::Error)]
pub enum OrderJsonError {
    /// Not valid JSON.
    #[error("not valid JSON: {0}")]
    Syntax(serde_json::Error),
    /// JSON, but not an object.
    #[error("an order must be a JSON object")]
    NotAnObject,
    /// The fields do not say which order this is.
    #[error(
        "cannot tell the order kind from its fields; pass the kind explicitly (app, dataset, workerpool, request)"
    )]
    UnknownOrderShape,
    /// Not one of app, dataset, workerpool, request.
    #[error("unknown order kind `{0}` (expected app, dataset, workerpool or request)")]
    UnknownKind(String),
    /// A field is missing, unknown or malformed.
    #[error("invalid {kind} order: {source}")]
    Field {
        /// The kind being read.
        kind: OrderKind,
        /// What is wrong, naming the field.
        source: serde_json::Error,
    },
    /// The `sign` field is not a 0x-hex string.
    #[error("invalid `sign` field: expected 0x-hex bytes")]
    BadSignField,
}

/// An order of any of the four kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// An app order.
    App(AppOrder),
    /// A dataset order.
    Dataset(DatasetOrder),
    /// A workerpool order.
    Workerpool(WorkerpoolOrder),
    /// A request order.
    Request(RequestOrder),
}

macro_rules! each_order {
    ($self:expr, $order:ident => $body:expr) => {
        match $self {
            Order::App($order) => $body,
            Order::Dataset($order) => $body,
            Order::Workerpool($order) => $body,
            Order::Request($order) => $body,
        }
    };
}

/// An order of one kind out of an any-kind [`Order`] (the other kinds are given back).
macro_rules! order_of_kind {
    ($($variant:ident => $order:ty),*) => {$(
        impl TryFrom<Order> for $order {
            type Error = Order;

            fn try_from(order: Order) -> Result<Self, Order> {
                match order {
                    Order::$variant(order) => Ok(order),
                    other => Err(other),
                }
            }
        }
    )*};
}

order_of_kind!(
    App => AppOrder,
    Dataset => DatasetOrder,
    Workerpool => WorkerpoolOrder,
    Request => RequestOrder
);

impl Order {
    /// Which order this is.
    pub fn kind(&self) -> OrderKind {
        match self {
            Self::App(_) => OrderKind::App,
            Self::Dataset(_) => OrderKind::Dataset,
            Self::Workerpool(_) => OrderKind::Workerpool,
            Self::Request(_) => OrderKind::Request,
        }
    }

    /// Guesses the kind from the price field each kind has alone.
    pub fn infer_kind(fields: &Map<String, Value>) -> Result<OrderKind, OrderJsonError> {
        let has = |name: &str| fields.contains_key(name);
        let candidates = [
            (OrderKind::Request, has("appmaxprice") || has("requester")),
            (OrderKind::App, has("appprice")),
            (OrderKind::Dataset, has("datasetprice")),
            (OrderKind::Workerpool, has("workerpoolprice")),
        ];
        let mut found = candidates
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(kind, _)| kind);
        match (found.next(), found.next()) {
            (Some(kind), None) => Ok(kind),
            _ => Err(OrderJsonError::UnknownOrderShape),
        }
    }

    /// Reads an order of `kind` (or of the inferred kind) from JSON fields, `sign` excluded.
    pub fn from_fields(
        kind: Option<OrderKind>,
        fields: Map<String, Value>,
    ) -> Result<Self, OrderJsonError> {
        let kind = match kind {
            Some(kind) => kind,
            None => Self::infer_kind(&fields)?,
        };
        let value = Value::Object(fields);
        let field = |source| OrderJsonError::Field { kind, source };
        Ok(match kind {
            OrderKind::App => Self::App(serde_json::from_value(value).map_err(field)?),
            OrderKind::Dataset => Self::Dataset(serde_json::from_value(value).map_err(field)?),
            OrderKind::Workerpool => {
                Self::Workerpool(serde_json::from_value(value).map_err(field)?)
            }
            OrderKind::Request => Self::Request(serde_json::from_value(value).map_err(field)?),
        })
    }

    /// The EIP-712 struct hash.
    pub fn struct_hash(&self) -> B256 {
        each_order!(self, o => o.struct_hash())
    }

    /// The order hash (typed-data hash under `domain`).
    pub fn hash(&self, domain: &Domain) -> B256 {
        each_order!(self, o => o.hash(domain))
    }

    /// Typed-data hash of a presign/cancel operation on this order.
    pub fn operation_hash(&self, kind: super::OrderOperationKind, domain: &Domain) -> B256 {
        each_order!(self, o => o.operation_hash(kind, domain))
    }

    /// Who must sign the order.
    pub fn identity(&self) -> super::OrderIdentity {
        each_order!(self, o => o.identity())
    }

    /// Number of tasks the order may be used for.
    pub fn volume(&self) -> U256 {
        each_order!(self, o => o.volume())
    }

    /// The order's tag.
    pub fn tag(&self) -> Tag {
        each_order!(self, o => o.tag())
    }

    /// The order as JSON fields (without `sign`).
    pub fn to_fields(&self) -> Map<String, Value> {
        let value = each_order!(self, o => serde_json::to_value(o));
        match value {
            Ok(Value::Object(fields)) => fields,
            // Every field of the four structs serializes to a JSON string.
            _ => Map::new(),
        }
    }
}

impl Serialize for Order {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        each_order!(self, o => o.serialize(serializer))
    }
}

impl<'de> Deserialize<'de> for Order {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = Map::deserialize(deserializer)?;
        Self::from_fields(None, fields).map_err(de::Error::custom)
    }
}

macro_rules! order_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for Order {
            fn from(order: $ty) -> Self {
                Self::$variant(order)
            }
        }
    )*};
}
order_from!(
    App(AppOrder),
    Dataset(DatasetOrder),
    Workerpool(WorkerpoolOrder),
    Request(RequestOrder)
);

/// `params` is a string on-chain; the SDK's templates also allow a JSON object, which is signed
/// as its compact serialization (key order kept, as `JSON.stringify` does).
pub(crate) fn params_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        object @ Value::Object(_) => serde_json::to_string(&object).map_err(de::Error::custom),
        other => Err(de::Error::custom(format!(
            "params must be a string or a JSON object, got {}",
            json_type_name(&other)
        ))),
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_of_one_kind_comes_out_of_an_any_kind_order() {
        let app = AppOrder {
            appprice: U256::from(7),
            ..AppOrder::default()
        };
        assert_eq!(AppOrder::try_from(Order::App(app.clone())), Ok(app.clone()));
        assert_eq!(
            DatasetOrder::try_from(Order::App(app.clone())),
            Err(Order::App(app))
        );
    }
}
