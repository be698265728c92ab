//! An order together with its `sign` field: signing, recovery and verification.

use super::{Order, OrderIdentity, OrderJsonError, OrderKind, PocoOrder};
use crate::eip712::Domain;
use crate::signature::{self, SignatureError};
use alloy_primitives::{Address, B256, Bytes};
use alloy_signer::SignerSync;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de, ser};
use serde_json::{Map, Value};
use std::fmt;

/// An order that can be hashed and read from / written to JSON: one of the four structs, or
/// [`Order`] when the kind is only known at run time.
pub trait AnyOrder: Clone + fmt::Debug + PartialEq {
    /// Which order this is.
    fn kind(&self) -> OrderKind;
    /// The order hash under `domain`.
    fn order_hash(&self, domain: &Domain) -> B256;
    /// Whose signature makes the order valid.
    fn order_identity(&self) -> OrderIdentity;
    /// JSON fields, without `sign`.
    fn fields(&self) -> Result<Map<String, Value>, serde_json::Error>;
    /// Reads from JSON fields, without `sign`.
    fn from_fields(fields: Map<String, Value>) -> Result<Self, OrderJsonError>;
}

impl<O: PocoOrder> AnyOrder for O {
    fn kind(&self) -> OrderKind {
        O::KIND
    }
    fn order_hash(&self, domain: &Domain) -> B256 {
        self.hash(domain)
    }
    fn order_identity(&self) -> OrderIdentity {
        self.identity()
    }
    fn fields(&self) -> Result<Map<String, Value>, serde_json::Error> {
        match serde_json::to_value(self)? {
            Value::Object(fields) => Ok(fields),
            _ => Err(ser::Error::custom("an order serializes to an object")),
        }
    }
    fn from_fields(fields: Map<String, Value>) -> Result<Self, OrderJsonError> {
        serde_json::from_value(Value::Object(fields)).map_err(|source| OrderJsonError::Field {
            kind: O::KIND,
            source,
        })
    }
}

impl AnyOrder for Order {
    fn kind(&self) -> OrderKind {
        Order::kind(self)
    }
    fn order_hash(&self, domain: &Domain) -> B256 {
        self.hash(domain)
    }
    fn order_identity(&self) -> OrderIdentity {
        self.identity()
    }
    fn fields(&self) -> Result<Map<String, Value>, serde_json::Error> {
        Ok(self.to_fields())
    }
    fn from_fields(fields: Map<String, Value>) -> Result<Self, OrderJsonError> {
        Order::from_fields(None, fields)
    }
}

/// Why an order could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The signer failed (e.g. a hardware wallet refused).
    #[error("signer failed: {0}")]
    Signer(#[from] alloy_signer::Error),
}

/// An order and its signature (`sign`), absent for unsigned or presigned orders.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedOrder<O = Order> {
    /// The signed fields.
    pub order: O,
    /// EIP-712 signature (65 or 64 bytes for an EOA; any bytes for an ERC-1271 signer).
    pub sign: Option<Bytes>,
}

impl<O: AnyOrder> SignedOrder<O> {
    /// An order without signature.
    pub fn unsigned(order: O) -> Self {
        Self { order, sign: None }
    }

    /// Signs the order's typed-data hash (65-byte r‖s‖v, as `eth_signTypedData_v4`).
    pub fn sign(
        order: O,
        domain: &Domain,
        signer: &(impl SignerSync + ?Sized),
    ) -> Result<Self, SigningError> {
        let signature = signer.sign_hash_sync(&order.order_hash(domain))?;
        Ok(Self {
            order,
            sign: Some(Bytes::copy_from_slice(&signature.as_bytes())),
        })
    }

    /// The order hash under `domain`.
    pub fn hash(&self, domain: &Domain) -> B256 {
        self.order.order_hash(domain)
    }

    /// The EOA that signed the order.
    pub fn recover_signer(&self, domain: &Domain) -> Result<Address, SignatureError> {
        let sign = self.sign.as_ref().ok_or(SignatureError::NotSigned)?;
        signature::recover_prehash_signer(&self.hash(domain), sign)
    }

    /// Checks that `sign` is a valid signature of this order by `expected`.
    pub fn verify(&self, domain: &Domain, expected: Address) -> Result<(), SignatureError> {
        let sign = self.sign.as_ref().ok_or(SignatureError::NotSigned)?;
        signature::verify_prehash(&self.hash(domain), sign, expected)
    }

    /// Reads a signed (or unsigned) order from JSON text.
    pub fn from_json(text: &str) -> Result<Self, OrderJsonError> {
        let value: Value = serde_json::from_str(text).map_err(OrderJsonError::Syntax)?;
        Self::from_json_value(value)
    }

    /// Reads a signed (or unsigned) order from a JSON value.
    pub fn from_json_value(value: Value) -> Result<Self, OrderJsonError> {
        let Value::Object(mut fields) = value else {
            return Err(OrderJsonError::NotAnObject);
        };
        let sign = take_sign(&mut fields)?;
        Ok(Self {
            order: O::from_fields(fields)?,
            sign,
        })
    }
}

impl SignedOrder<Order> {
    /// Reads an order of a given kind (or inferred when `None`) from a JSON value.
    pub fn from_json_value_as(
        kind: Option<OrderKind>,
        value: Value,
    ) -> Result<Self, OrderJsonError> {
        let Value::Object(mut fields) = value else {
            return Err(OrderJsonError::NotAnObject);
        };
        let sign = take_sign(&mut fields)?;
        Ok(Self {
            order: Order::from_fields(kind, fields)?,
            sign,
        })
    }
}

fn take_sign(fields: &mut Map<String, Value>) -> Result<Option<Bytes>, OrderJsonError> {
    match fields.remove("sign") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(hex)) => {
            hex.starts_with("0x")
                .then_some(())
                .ok_or(OrderJsonError::BadSignField)?;
            hex.parse::<Bytes>()
                .map(Some)
                .map_err(|_| OrderJsonError::BadSignField)
        }
        Some(_) => Err(OrderJsonError::BadSignField),
    }
}

impl<O: AnyOrder> Serialize for SignedOrder<O> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields = self.order.fields().map_err(ser::Error::custom)?;
        if let Some(sign) = &self.sign {
            fields.insert("sign".to_owned(), Value::String(sign.to_string()));
        }
        fields.serialize(serializer)
    }
}

impl<'de, O: AnyOrder> Deserialize<'de> for SignedOrder<O> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_json_value(Value::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}
