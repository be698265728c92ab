//! The data model: [`DataObject`] and [`DataValue`], validation and JSON conversion.

use super::error::ProtectedDataError;
use super::json::JsonNode;
use super::jsorder::JsMap;
use super::{PATH_SEPARATOR, Result};

/// One value of a protected data.
///
/// JavaScript equivalents: `boolean`, `number`, `bigint`, `string`, `Uint8Array`/`ArrayBuffer`
/// and nested plain objects.
#[derive(Clone, Debug, PartialEq)]
pub enum DataValue {
    /// Schema type `bool`.
    Bool(bool),
    /// Schema type `f64`. Must be finite to be serialized.
    F64(f64),
    /// Schema type `i128`.
    I128(i128),
    /// Schema type `string`.
    String(String),
    /// Raw bytes; schema type = detected MIME type.
    Binary(Vec<u8>),
    /// Nested object (a zip folder).
    Object(DataObject),
}

impl DataValue {
    /// Parses a decimal integer (optional `-`, ASCII digits) into an `I128`. JSON numbers are
    /// always f64 (as in JavaScript), so this is how integers beyond 2^53 enter the model.
    pub fn i128_from_decimal(text: &str) -> Result<Self> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProtectedDataError::InvalidInteger);
        }
        text.parse::<i128>()
            .map(Self::I128)
            .map_err(|_| ProtectedDataError::IntegerOutOfRange)
    }

    /// Name of the variant, for messages (`"bool"`, `"f64"`, …, `"binary"`, `"object"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Bool(_) => "bool",
            Self::F64(_) => "f64",
            Self::I128(_) => "i128",
            Self::String(_) => "string",
            Self::Binary(_) => "binary",
            Self::Object(_) => "object",
        }
    }
}

impl From<bool> for DataValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<f64> for DataValue {
    fn from(v: f64) -> Self {
        Self::F64(v)
    }
}
impl From<i128> for DataValue {
    fn from(v: i128) -> Self {
        Self::I128(v)
    }
}
impl From<String> for DataValue {
    fn from(v: String) -> Self {
        Self::String(v)
    }
}
impl From<&str> for DataValue {
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}
impl From<Vec<u8>> for DataValue {
    fn from(v: Vec<u8>) -> Self {
        Self::Binary(v)
    }
}
impl From<DataObject> for DataValue {
    fn from(v: DataObject) -> Self {
        Self::Object(v)
    }
}

/// A protected data object: keys → values, iterated in JavaScript own-property order (array
/// index keys like `"0"`, `"10"` first in numeric order, then insertion order).
///
/// Keys are not checked on insertion (like a JavaScript object); [`DataObject::validate`] (also
/// run by the serializer) applies the reference rules.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataObject(JsMap<DataValue>);

impl DataObject {
    /// An empty object.
    pub fn new() -> Self {
        Self(JsMap::new())
    }

    /// Sets `key`; an existing key keeps its position (JavaScript assignment). Returns the
    /// previous value.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Into<DataValue>,
    ) -> Option<DataValue> {
        self.0.insert(key.into(), value.into())
    }

    /// Value of a direct key.
    pub fn get(&self, key: &str) -> Option<&DataValue> {
        self.0.get(key)
    }

    /// Value at a dotted path (`"meta.age"`).
    pub fn get_path(&self, path: &str) -> Option<&DataValue> {
        let mut keys = path.split(PATH_SEPARATOR);
        let mut current = self.get(keys.next()?)?;
        for key in keys {
            match current {
                DataValue::Object(obj) => current = obj.get(key)?,
                _ => return None,
            }
        }
        Some(current)
    }

    /// Entries in JavaScript order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &DataValue)> {
        self.0.iter()
    }

    /// Number of direct keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No keys.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// All non-object values with their dotted paths, depth first in JavaScript order (the
    /// order of the zip entries).
    pub fn leaves(&self) -> Vec<(String, &DataValue)> {
        let mut out = Vec::new();
        collect_leaves(self, "", &mut out);
        out
    }

    /// Checks the reference rules (`ensureDataObjectIsValid` plus the serializer's number
    /// check): every key non-empty and made of `[a-zA-Z0-9_-]`, every f64 finite. The error
    /// names the dotted path of the first offending key in iteration order.
    pub fn validate(&self) -> Result<()> {
        validate_object(self, "")
    }

    /// Builds an object from JSON text, keeping the document's key order (then JavaScript
    /// order, as `JSON.parse` does; a repeated key keeps its first position and last value).
    ///
    /// JSON numbers become `F64`; `null` and arrays are rejected with their path. JSON cannot
    /// express `I128` or `Binary` values: build those with [`DataObject::insert`].
    pub fn from_json_str(text: &str) -> Result<Self> {
        from_node(JsonNode::parse(text)?)
    }

    /// Builds an object from a `serde_json::Value` (key order is the order of its `Map`:
    /// sorted unless serde_json's `preserve_order` feature is enabled; prefer
    /// [`DataObject::from_json_str`]).
    pub fn from_json_value(value: &serde_json::Value) -> Result<Self> {
        from_node(JsonNode::from_value(value))
    }
}

impl<K: Into<String>, V: Into<DataValue>> FromIterator<(K, V)> for DataObject {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut obj = Self::new();
        for (k, v) in iter {
            obj.insert(k, v);
        }
        obj
    }
}

impl TryFrom<&serde_json::Value> for DataObject {
    type Error = ProtectedDataError;

    fn try_from(value: &serde_json::Value) -> Result<Self> {
        Self::from_json_value(value)
    }
}

pub(crate) fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}{PATH_SEPARATOR}{key}")
    }
}

/// The reference key rule: non-empty, `^[a-zA-Z0-9\-_]*$`.
pub(crate) fn check_key(parent: &str, key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(ProtectedDataError::EmptyKey {
            parent: parent.to_owned(),
        });
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ProtectedDataError::InvalidKeyCharacter {
            path: join_path(parent, key),
        });
    }
    Ok(())
}

/// Validates a value that will live at `path`.
pub(crate) fn validate_value(path: &str, value: &DataValue) -> Result<()> {
    match value {
        DataValue::F64(v) if !v.is_finite() => Err(ProtectedDataError::NonFiniteNumber {
            path: path.to_owned(),
        }),
        DataValue::Object(obj) => validate_object(obj, path),
        _ => Ok(()),
    }
}

fn validate_object(obj: &DataObject, path: &str) -> Result<()> {
    for (key, value) in obj.iter() {
        check_key(path, key)?;
        validate_value(&join_path(path, key), value)?;
    }
    Ok(())
}

fn collect_leaves<'a>(obj: &'a DataObject, path: &str, out: &mut Vec<(String, &'a DataValue)>) {
    for (key, value) in obj.iter() {
        let child = join_path(path, key);
        match value {
            DataValue::Object(nested) => collect_leaves(nested, &child, out),
            leaf => out.push((child, leaf)),
        }
    }
}

fn from_node(node: JsonNode) -> Result<DataObject> {
    match node {
        JsonNode::Object(members) => object_from_members(members, ""),
        other => Err(ProtectedDataError::NotAnObject {
            found: other.kind(),
        }),
    }
}

fn object_from_members(members: Vec<(String, JsonNode)>, path: &str) -> Result<DataObject> {
    let mut obj = DataObject::new();
    for (key, node) in members {
        check_key(path, &key)?;
        let child = join_path(path, &key);
        let value = match node {
            JsonNode::Bool(b) => DataValue::Bool(b),
            JsonNode::Number(n) => DataValue::F64(n),
            JsonNode::String(s) => DataValue::String(s),
            JsonNode::Object(nested) => DataValue::Object(object_from_members(nested, &child)?),
            JsonNode::Null => {
                return Err(ProtectedDataError::UnsupportedJsonValue {
                    path: child,
                    found: "null",
                });
            }
            JsonNode::Array => {
                return Err(ProtectedDataError::UnsupportedJsonValue {
                    path: child,
                    found: "array",
                });
            }
        };
        obj.insert(key, value);
    }
    Ok(obj)
}
